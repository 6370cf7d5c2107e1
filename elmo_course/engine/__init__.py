"""The engine: ELMo's model itself, from characters to the three layers.

    char_ids.py      token -> 50 character ids (numpy), as bilm-tf and AllenNLP number them
    text_ops.py      the same inside a TensorFlow graph, for string tensors; padding helpers
    char_cnn.py      layer 0: character CNN, highway layers, projection (context-free vectors)
    bilm.py          the biLM: layer 0 + forward and backward LSTM stacks (one forward pass)
    layer_mix.py     the stack of layers, the paper's equation 1 mix, the sentence mean
    options.py       options.json as a typed object, and the weight shapes it implies
    weight_files.py  the hdf5 weight files of bilm-tf / AllenNLP

Nothing here imports from the rest of the library.
"""
