"""ann_keras builds a real Keras model: summary, fit's History, predict, save and load."""

import numpy as np
import pytest

from numpy_ref import MAZUR


@pytest.fixture(scope="module")
def keras_run():
    from frameworks import keras_fit

    return keras_fit.train_model(20, "sequential", MAZUR, "float64")


def test_model_is_a_keras_model_of_keras_layers(keras_run):
    import keras

    _, model = keras_run
    assert isinstance(model, keras.Model)
    names = [layer.name for layer in model.layers]
    assert names == [
        "inputs",
        "hidden_weights",
        "hidden_bias",
        "hidden",
        "output_weights",
        "output_bias",
        "output",
    ]
    assert isinstance(model.get_layer("hidden_weights"), keras.layers.Dense)
    # eight trainable weights (w1..w8); the biases are weights that do not train
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 8
    assert [w.numpy().tolist() for w in model.non_trainable_weights] == [[0.35, 0.35], [0.6, 0.6]]


def test_summary_lists_the_layers(keras_run):
    from frameworks import keras_fit

    text = keras_fit.summary_text(keras_run[1])
    assert "mazur_2_2_2" in text
    assert "hidden_weights (Dense)" in text
    assert "Trainable params: 8" in text


def test_predict_gives_the_trained_prediction(keras_run):
    result, model = keras_run
    prediction = model.predict(np.array(MAZUR.inputs), verbose=0)[0]
    np.testing.assert_allclose(prediction, result.final_prediction, atol=1e-15, rtol=0)


def test_fit_history_and_callbacks_work():
    import keras

    from frameworks import keras_model

    class CountEpochs(keras.callbacks.Callback):
        epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            CountEpochs.epochs += 1

    model = keras_model.build_model(MAZUR, "sequential", "float64")
    history = model.fit(
        np.array(MAZUR.inputs * 5),
        np.array(MAZUR.targets * 5),
        batch_size=1,
        epochs=3,
        verbose=0,
        shuffle=False,
        callbacks=[CountEpochs()],
    )
    assert CountEpochs.epochs == 3
    losses = history.history["loss"]
    assert len(losses) == 3 and losses[2] < losses[1] < losses[0]
    # the epoch's mean loss over its five steps, from the first forward pass on
    assert losses[0] < 0.2983711087600027


@pytest.mark.slow
def test_sequential_train_step_is_really_sequential():
    from frameworks import keras_fit

    result = keras_fit.train(1, "sequential", MAZUR, "float64")
    # the tutorial's sequential w1+..w4+, not the parallel 0.149780716...
    assert result.final_hidden_weights.ravel() == pytest.approx(
        [0.14981764, 0.19963528, 0.24978819, 0.29957637], abs=1e-8, rel=0
    )
    parallel = keras_fit.train(1, "parallel", MAZUR, "float64")
    assert parallel.final_hidden_weights.ravel() == pytest.approx(
        [0.149780716, 0.19956143, 0.24975114, 0.29950229], abs=1e-8, rel=0
    )


@pytest.mark.slow
def test_saved_model_loads_and_predicts_the_same(keras_run, tmp_path):
    import ann_keras
    from frameworks import keras_saving

    result, model = keras_run
    path = tmp_path / "trained.keras"
    keras_saving.save_model(model, str(path))
    assert [p.name for p in tmp_path.iterdir()] == ["trained.keras"]
    loaded = ann_keras.load_model(str(path))
    assert type(loaded).__name__ == type(model).__name__
    assert loaded.update == "sequential"
    prediction = loaded.predict(np.array(MAZUR.inputs), verbose=0)[0]
    np.testing.assert_allclose(prediction, result.final_prediction, atol=1e-15, rtol=0)


@pytest.mark.slow
def test_keras_training_continues_from_where_it_stopped():
    from frameworks import keras_fit

    first, model = keras_fit.train_model(10, "sequential", MAZUR, "float64")
    second, _ = keras_fit.train_model(10, "sequential", MAZUR, "float64", model=model)
    whole = keras_fit.train(20, "sequential", MAZUR, "float64")
    np.testing.assert_allclose(second.losses, whole.losses[10:], atol=1e-15, rtol=0)
