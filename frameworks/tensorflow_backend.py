"""Keras on TensorFlow, whatever KERAS_BACKEND or a keras.json says.

Imported first by the modules whose Keras must run on TensorFlow: tape.py
(Keras's optimizers update its tf.Variables) and keras_model.py and
keras_fit.py (a train_step written in TensorFlow).  The scripts without
--backend train through them, and a user's KERAS_BACKEND=jax, or a keras.json
another project left in ~/.keras, made them end in a traceback.  Keras reads
its backend once, when it is first imported: so this must come before, and a
Keras already imported on another backend is an ImportError here, in one
line.  (ann_keras.py --backend and Keras's child processes choose theirs with
frameworks.use_backend.)
"""

import sys

from . import use_backend

if "keras" not in sys.modules:
    use_backend("tensorflow")
elif (backend := sys.modules["keras"].backend.backend()) != "tensorflow":
    raise ImportError(
        f"Keras was imported on {backend}; TensorFlow's trainers (frameworks.tape,"
        " keras_model, keras_fit) need it on tensorflow"
    )
