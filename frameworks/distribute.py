"""Data-parallel training on tf.distribute: the strategy, and the devices it needs.

MirroredStrategy keeps one copy of every variable on each device, gives each
device (replica) an equal share of the batch, and sums the replicas'
gradients with its own all-reduce before the optimizer applies them.  With
each replica's loss divided by the number of replicas, the sum is the mean of
the replicas' gradients, and so the full batch's gradient (the shares being
equal).  A machine without R GPUs gets R logical CPU devices, which must be
set up before TensorFlow first uses a device.
"""

import tensorflow as tf


class DevicesAlreadySet(RuntimeError):
    """TensorFlow started with fewer logical devices than the replicas need."""


def devices(replicas: int) -> list[str]:
    """The names of ``replicas`` devices: GPUs when there are enough, else logical CPUs."""
    gpus = tf.config.list_physical_devices("GPU")
    if len(gpus) >= replicas:
        return [f"/gpu:{i}" for i in range(replicas)]
    cpu = tf.config.list_physical_devices("CPU")[0]
    configured = tf.config.get_logical_device_configuration(cpu) or []
    if len(configured) < replicas:
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * replicas
            )
        except RuntimeError:  # the runtime has started: its devices are fixed
            raise DevicesAlreadySet(
                f"{replicas} replicas need {replicas} logical CPU devices, and TensorFlow"
                f" has started with {max(len(configured), 1)}: call"
                " frameworks.distribute.devices before any other TensorFlow work"
            ) from None
    return [f"/cpu:{i}" for i in range(replicas)]


def mirrored(replicas: int) -> tf.distribute.MirroredStrategy | None:
    """A MirroredStrategy over ``replicas`` devices, or None for one (no strategy)."""
    if replicas <= 1:
        return None
    return tf.distribute.MirroredStrategy(
        devices(replicas), cross_device_ops=tf.distribute.ReductionToOneDevice()
    )
