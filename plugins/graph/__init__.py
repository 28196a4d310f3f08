"""The `graph` topic: node classification on one graph (GCN, GraphSAGE,
DeepWalk, and an MLP that ignores the edges) and graph classification
(MPNN, and a bag of node features). Graph data is linked: a node's class is
read from its neighbours, so its datasets are `LinkedExamples` that make
their own batches. Declares the plugin; models and loaders are imported on
first use."""

from keraslab.core.api import DatasetSpec, ModelSpec, Plugin, __version__
from keraslab.plugins.graph import config

_NODES = "keraslab.plugins.graph.models.nodes"
_EXPORT = "keraslab.plugins.graph.models.export"
_DATA = "keraslab.plugins.graph.data"
_REPORT = "keraslab.plugins.graph.report"


def _node_model(name, description, build, model_config, preset):
    return ModelSpec(
        name=name,
        description=description,
        build=build,
        config=model_config,
        default_dataset="block-model",
        input_name="node_features",
        preset=preset,
        export=f"{_EXPORT}:export_node_classifier",
        serving_examples=f"{_EXPORT}:node_graph_request",
        report=f"{_REPORT}:write_node_report",
        data_config=config.GraphDataConfig,
    )


def _graph_model(name, description, build, model_config):
    return ModelSpec(
        name=name,
        description=description,
        build=build,
        config=model_config,
        default_dataset="molecules",
        input_name="node_features",
        preset=config.graph_classification_preset,
        export=f"{_EXPORT}:export_graph_classifier",
        serving_examples=f"{_EXPORT}:graph_set_request",
        report=f"{_REPORT}:write_graph_set_report",
        data_config=config.GraphDataConfig,
    )


plugin = Plugin(
    name="graph",
    topic="graph",
    version=__version__,
    description="Graph networks: GCN, GraphSAGE, DeepWalk/node2vec, MPNN, against models that ignore the edges.",
    models=(
        _node_model(
            "gcn",
            "Graph convolutional network (Kipf & Welling), full batch, on a sparse adjacency.",
            f"{_NODES}:build_gcn",
            config.GCNConfig(),
            config.gcn_preset,
        ),
        _node_model(
            "graphsage",
            "GraphSAGE (mean, max-pool or LSTM aggregator), mini-batches of sampled neighbourhoods, inductive.",
            f"{_NODES}:build_graphsage",
            config.GraphSAGEConfig(),
            config.graphsage_preset,
        ),
        ModelSpec(
            name="deepwalk",
            description="DeepWalk / node2vec: skip-gram on random walks, logistic regression on the embeddings.",
            build="keraslab.plugins.graph.models.deepwalk:build_deepwalk",
            config=config.DeepWalkConfig(),
            default_dataset="block-model",
            input_name="nodes",
            preset=config.deepwalk_preset,
            export=f"{_EXPORT}:export_deepwalk",
            serving_examples=f"{_EXPORT}:deepwalk_request",
            report=f"{_REPORT}:write_node_report",
            data_config=config.GraphDataConfig,
        ),
        _node_model(
            "mlp",
            "Baseline: the node features alone through an MLP (what the edges add is measured against it).",
            f"{_NODES}:build_mlp",
            config.MLPConfig(),
            config.mlp_preset,
        ),
        _graph_model(
            "mpnn",
            "Message-passing network with edge features and a GRU update, for graph classification.",
            "keraslab.plugins.graph.models.molecules:build_mpnn",
            config.MPNNConfig(),
        ),
        _graph_model(
            "bag",
            "Baseline for graph classification: each graph's bag of node features through an MLP.",
            "keraslab.plugins.graph.models.molecules:build_bag",
            config.MLPConfig(),
        ),
    ),
    datasets=(
        DatasetSpec(
            "block-model",
            "Generated stochastic block model: 4 classes, weak features, 70% of edges within a class (data.size).",
            f"{_DATA}:load_block_model",
            f"{_DATA}:synthetic_block_model",
        ),
        DatasetSpec(
            "karate",
            "Zachary's karate club: 34 members, 78 friendships, the two factions it split into.",
            f"{_DATA}:load_karate",
            f"{_DATA}:synthetic_block_model",
        ),
        DatasetSpec(
            "networkx",
            "A graph networkx ships, named by data.path, classes from the node attribute data.label_column.",
            f"{_DATA}:load_networkx",
            f"{_DATA}:synthetic_block_model",
        ),
        DatasetSpec(
            "molecules",
            "Generated molecule-like graphs (8-20 atoms, bond types), classed by whether they hold a ring.",
            f"{_DATA}:load_molecules",
            f"{_DATA}:synthetic_molecules",
        ),
    ),
    commands="keraslab.plugins.graph.cli:commands",
)
