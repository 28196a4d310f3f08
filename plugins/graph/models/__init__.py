"""The graph topic's models: node classifiers (GCN, GraphSAGE, DeepWalk, an
MLP on the features alone) and graph classifiers (MPNN, a bag of node
features)."""
