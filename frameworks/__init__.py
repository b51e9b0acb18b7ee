"""The TensorFlow and Keras implementations of Mazur's network.

    tape.py          tf.GradientTape autodiff on tf.Variables (ann_tensorflow.py)
    keras_model.py   a functional keras.Model trained by fit() (ann_keras.py)
    tensorboard.py   TensorBoard scalars for every iteration (--logdir)
    common.py        kernel orientation, Keras's float type, the TrainingResult

Each module imports TensorFlow or Keras at its top, so importing one costs
TensorFlow's start-up; importing this package alone does not.
"""

import os

#: Keras's backends, by the names KERAS_BACKEND takes.
KERAS_BACKENDS = ("tensorflow", "jax", "torch")


def use_backend(backend: str) -> None:
    """Choose Keras's backend (a KERAS_BACKENDS name) for this process; call before
    anything imports keras.  For JAX, turn on float64 (jax_enable_x64) first, as
    Keras never does."""
    os.environ["KERAS_BACKEND"] = backend
    if backend == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)


#: The losses tape.py can train on (--loss).  For two outputs half-sse and mse
#: are the same number; sse is twice that.
LOSSES = ("half-sse", "mse", "sse")
