"""What the scripts share on the terminal: arguments, reports, files, signals.

Nothing here imports TensorFlow, Keras or matplotlib when it is imported, so
``--help`` and a bad argument answer at once.  Functions return text;
printing stays in each script's ``main`` (and in trainer_script.run, the
``main`` the three trainer command lines share).
"""

from .startup import quiet_while_starting

quiet_while_starting()
