"""The file each picture is written to, by name, without matplotlib.

The plot script checks every file it will write before anything trains: a
folder where a figure goes is refused at once (exit 2), not after the run.
"""

import os

COMPARISON_FILE = "tensorflow_keras_comparison.png"
DYNAMICS_FILE = "training_dynamics.png"
NETWORK_FILE = "network.png"
GRAPH_FILE = "computation_graph.png"
ANIMATION_FILE = "training.gif"
GRADIENTS_FILE = "gradients.png"
XOR_STUDY_FILE = "xor_study.png"
STUDY_FILE = "update_order_study.png"  # SGD's; another optimizer's adds _NAME


def study_file(optimizer_name: str) -> str:
    """update_order_study.png for SGD, update_order_study_NAME.png for another optimizer."""
    stem, extension = os.path.splitext(STUDY_FILE)
    return STUDY_FILE if optimizer_name == "sgd" else f"{stem}_{optimizer_name}{extension}"
