"""The TensorFlow and Keras implementations of Mazur's network.

    tape.py          tf.GradientTape autodiff on tf.Variables (ann_tensorflow.py)
    keras_model.py   a functional keras.Model trained by fit() (ann_keras.py)
    tensorboard.py   TensorBoard scalars for every iteration (--logdir)
    common.py        kernel orientation, Keras's float type, the TrainingResult

Each module imports TensorFlow or Keras at its top, so importing one costs
TensorFlow's start-up; importing this package alone does not.
"""

#: The losses tape.py can train on (--loss).  For two outputs half-sse and mse
#: are the same number; sse is twice that.
LOSSES = ("half-sse", "mse", "sse")
