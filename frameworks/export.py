"""The trained Keras model taken out of Keras: a SavedModel and a TFLite flat buffer,
each loaded back and asked for the samples' predictions.

A SavedModel (model.export) keeps the model's own graph and float type: its
``serve`` endpoint computes sigmoid(sigmoid(x @ K_h + b_h) @ K_o + b_o) with
the same kernels as Keras, so it gives the same numbers.

A TFLite model is the same graph converted for TFLite's kernels, which
compute in float32 or in integers (none in float64):

    none     float32 weights and arithmetic, as Keras's float32 model
    float16  the weights stored as float16 (11 significant bits), turned back
             into float32 when the model is loaded; the arithmetic is float32
    int8     full-integer: every tensor, inputs and outputs included, is int8,
             a real value r standing for the integer q = round(r / scale) + zero_point,
             so r = scale * (q - zero_point); the converter picks each tensor's
             scale and zero point from the range it sees when it runs the
             representative data set (here the training samples) through the model

With int8 inputs and outputs the caller quantises the inputs and dequantises
the outputs itself, with the scale and zero point that the interpreter reports
for each; that is where an int8 model's error can be read off.
"""

import contextlib
import io
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import tensorflow as tf
from numpy.typing import ArrayLike, NDArray

# TensorFlow's write errors as one line, as the TensorBoard log reports them
from .tensorboard import as_os_error

if TYPE_CHECKING:  # for annotations only: this module itself needs TensorFlow alone
    import keras

#: int8's range: a quantised value is clipped to it.
INT8_MIN, INT8_MAX = -128, 127


def export_saved_model(model: "keras.Model", folder: str) -> None:
    """model.export: a SavedModel in ``folder`` whose ``serve`` takes inputs of
    shape (None, 2) in the model's float type and returns the outputs."""
    try:
        model.export(folder, verbose=False)
    except tf.errors.OpError as error:
        raise as_os_error(error, folder) from None


def saved_model_predictions(folder: str, inputs: np.ndarray) -> np.ndarray:
    """Load the SavedModel in ``folder`` with plain TensorFlow and call its serve endpoint."""
    loaded = tf.saved_model.load(folder)
    return loaded.serve(tf.constant(inputs)).numpy()


def _set_quantization(
    converter: tf.lite.TFLiteConverter, quantize: str, inputs: np.ndarray
) -> None:
    """Post-training quantisation as ``quantize`` names (none: the float32 model as it is)."""
    if quantize == "none":
        return
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":  # float16 weights, float32 arithmetic
        converter.target_spec.supported_types = [tf.float16]
        return

    # int8, full-integer: int8 kernels only, int8 inputs and outputs, and the
    # scales and zero points from the training samples, run through the model
    # one at a time.
    def representative_data() -> Iterator[list[np.ndarray]]:
        for sample in inputs:
            yield [sample[None].astype(np.float32)]

    converter.representative_dataset = representative_data
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8


def tflite_flat_buffer(model: "keras.Model", quantize: str, inputs: np.ndarray) -> bytes:
    """The model as a TFLite flat buffer (bytes), quantised as ``quantize`` names."""
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    _set_quantization(converter, quantize, inputs)
    # The converter exports the model to a temporary SavedModel first (and
    # removes it), printing where to stdout; the results own stdout.  Its
    # warning that int8 inputs come without statistics is what is asked for:
    # the caller quantises them.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Statistics for quantized inputs", UserWarning)
        return converter.convert()


def _interpreter_class() -> tuple[Callable[..., Any], str]:
    """LiteRT's interpreter when ai_edge_litert is installed, else tf.lite's: (class, name)."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ModuleNotFoundError:
        return tf.lite.Interpreter, "tf.lite.Interpreter"
    return Interpreter, "ai_edge_litert's Interpreter"


@dataclass(frozen=True)
class Quantization:
    """An int8 tensor's r = scale * (q - zero_point)."""

    scale: float
    zero_point: int

    def quantize(self, real: ArrayLike) -> NDArray[np.int8]:
        """q = round(r / scale) + zero_point, clipped to int8."""
        q = np.round(np.asarray(real, np.float64) / self.scale) + self.zero_point
        return np.clip(q, INT8_MIN, INT8_MAX).astype(np.int8)

    def dequantize(self, q: ArrayLike) -> NDArray[np.float64]:
        """r = scale * (q - zero_point)."""
        return self.scale * (np.asarray(q, np.float64) - self.zero_point)


def _quantization(details: Mapping[str, Any]) -> Quantization | None:
    """The tensor's Quantization, or None for a float tensor."""
    if details["dtype"] != np.int8:
        return None
    scale, zero_point = details["quantization"]
    return Quantization(float(scale), int(zero_point))


@dataclass
class TFLitePredictions:
    """What the TFLite model gives for the samples, and how it was read."""

    predictions: np.ndarray  # (samples, 2), dequantised for int8
    interpreter: str  # which interpreter ran it
    inputs: Quantization | None = None  # int8 only
    outputs: Quantization | None = None  # int8 only


def tflite_predictions(path: str, inputs: np.ndarray) -> TFLitePredictions:
    """Load the TFLite model at ``path`` and run every sample through it at once."""
    interpreter_class, name = _interpreter_class()
    with warnings.catch_warnings():  # tf.lite.Interpreter warns that it is deprecated
        warnings.simplefilter("ignore", UserWarning)
        interpreter = interpreter_class(model_path=path)
    given, returned = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    # The model takes a batch of any size (shape_signature [-1, 2]): size it to ours.
    interpreter.resize_tensor_input(given["index"], inputs.shape)
    interpreter.allocate_tensors()
    input_quantization, output_quantization = _quantization(given), _quantization(returned)
    if input_quantization:
        interpreter.set_tensor(given["index"], input_quantization.quantize(inputs))
    else:
        interpreter.set_tensor(given["index"], inputs.astype(given["dtype"]))
    interpreter.invoke()
    outputs = interpreter.get_tensor(returned["index"])
    if output_quantization:
        outputs = output_quantization.dequantize(outputs)
    return TFLitePredictions(outputs, name, input_quantization, output_quantization)
