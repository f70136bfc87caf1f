//! Zero-copy arrays: the buffer protocol, numpy, ndarray, DLPack. (In progress.)
