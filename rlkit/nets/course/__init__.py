"""The course's other models, which no agent uses: CNNs, autoencoders, RNNs, GANs, RBMs,
transformers, PointNet, segmentation nets and word2vec. Import them from ``rlkit.nets``."""
