"""The plain-text log a learner reads."""

from numpy_ref import MAZUR
from numpy_ref.numbers import exact


def progress_iterations(iterations):
    """Iteration 1, every tenth of the run, and the last (1-based, sorted)."""
    tenths = {round(iterations * j / 10) for j in range(1, 11)}
    return sorted({1, iterations} | {k for k in tenths if k >= 1})


def vector_text(values, digits=8):
    return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"


def _weight(value):
    """Eight decimals, or scientific notation for a weight that has blown up."""
    return f"{value:.8f}" if abs(value) < 1e4 else f"{value:.6e}"


def _weight_lines(hidden, output):
    """w1..w8 in the tutorial's names, hidden layer on the first line."""
    w = [*hidden.ravel(), *output.ravel()]
    first = "  ".join(f"w{i + 1} = {_weight(w[i])}" for i in range(4))
    second = "  ".join(f"w{i + 1} = {_weight(w[i])}" for i in range(4, 8))
    return [f"  {first}", f"  {second}"]


def training_lines(training):
    """The set-up lines for what differs from the tutorial's plain SGD (none for it)."""
    lines = []
    if training.optimizer.name != "sgd":
        lines.append(f"  optimizer       {training.optimizer.describe()}")
    schedule = training.schedule
    if schedule.name != "constant":
        settings = {
            "decay_steps": f"S = {schedule.decay_steps}",
            "decay_rate": f"R = {exact(schedule.decay_rate)}",
        }
        lines.append(
            f"  lr schedule     {schedule.name}: {schedule.rule.formula},"
            f" {', '.join(settings[key] for key in schedule.rule.uses)}"
        )
    if training.until_loss is not None:
        below = exact(training.until_loss)
        lines.append(f"  stop            at the first iteration whose loss is below {below}")
    if training.penalised:
        lines.append(
            f"  trained loss    E + {exact(training.l1)} sum|w| + {exact(training.l2)} sum w^2"
            " (loss below: E alone)"
        )
    return lines


def data_lines(example):
    """The set-up lines for the data, the biases and the starting weights."""
    x, target, _, _ = example.arrays("float64")
    biases = f"b1 = {example.hidden_bias}, b2 = {example.output_bias}"
    lines = [
        f"  biases          {biases} (constants, never trained)"
        if not example.train_biases
        else f"  biases          one per neuron, trained; they start at {biases}"
    ]
    if example.samples == 1 and example.data.name == "mazur":
        lines += [
            f"  input           {vector_text(x[0], 2)}",
            f"  target          {vector_text(target[0], 2)}",
        ]
    else:
        batches = (
            "full batch"
            if example.batch == example.samples
            else "online"
            if example.batch == 1
            else "mini-batches"
        )
        lines += [
            f"  data            {example.data.name}: {example.samples} samples,"
            f" batches of {example.batch} ({batches}), loss = mean E over a batch"
        ]
    if example.init == "random":
        lines.append(
            f"  initial weights numpy.random.default_rng({example.seed}).uniform(-1, 1, 8)"
        )
    return lines


#: The text report lists this many samples' predictions (the JSON has them all).
SAMPLES_SHOWN = 20


def _sample_lines(result, example):
    """The samples' predictions beside their targets after training (the first
    SAMPLES_SHOWN, and how many more the JSON holds)."""
    x, _, _, _ = example.arrays("float64")

    def given(values):  # the data's own figures, as written
        return "[" + ", ".join(exact(v) for v in values) + "]"

    lines = [
        f"  {given(inputs)} -> {vector_text(prediction)}   target {given(target)}"
        for inputs, prediction, target in zip(x[:SAMPLES_SHOWN], result.predictions, result.targets)
    ]
    if len(x) > SAMPLES_SHOWN:
        lines.append(f"  ... and {len(x) - SAMPLES_SHOWN} more samples (all of them in --json)")
    return lines


def _iterations_text(result):
    """'1000', or for a resumed run '501..1000, resumed after 500 updates'."""
    before = result.resumed_after
    if not before:
        return str(result.iterations)
    return f"{before + 1}..{before + result.iterations}, resumed after {before} updates"


def _starting_weight_lines(result, example):
    """The weights the run starts from: the example's, or those a resumed run loaded."""
    if not result.resumed_after:
        _, _, w_hidden, w_output = example.arrays("float64")
        return ["Initial weights", *_weight_lines(w_hidden, w_output)]
    return [
        f"Weights at iteration {result.resumed_after + 1}, as the saved run left them",
        *_weight_lines(result.hidden_weights[0], result.output_weights[0]),
    ]


def format_report(result, title, update_note, example=MAZUR):
    """The plain-text log a learner reads: set-up, progress, results, weights."""
    n = result.recorded
    before = result.resumed_after  # a resumed run numbers on from the saved run's updates
    one_sample = example.samples == 1
    lines = [
        title,
        "  architecture    2 inputs -> 2 sigmoid hidden -> 2 sigmoid outputs",
        *data_lines(example),
        f"  learning rate   {exact(result.learning_rate)}",
        *training_lines(result.training),
        *(
            [
                f"  replicas        {result.replicas}, tf.distribute.MirroredStrategy: each batch"
                " split evenly, gradients all-reduced"
            ]
            if result.replicas > 1
            else []
        ),
        f"  iterations      {_iterations_text(result)}",
        f"  update order    {result.update}",
        f"                  ({update_note})",
        f"  dtype           {result.dtype}",
        "",
        *_starting_weight_lines(result, example),
        "",
        "Training (loss at iteration k: E_total of forward pass k, before update k)",
    ]
    if not one_sample:
        lines[-1] = (
            "Training (loss at iteration k: that of batch k's forward pass, before update k)"
        )
    width = len(str(before + n))
    for k in progress_iterations(n):
        prediction = f"   prediction {vector_text(result.outputs[k - 1])}" if one_sample else ""
        lines.append(
            f"  iteration {before + k:>{width}}   loss {result.losses[k - 1]:.10f}{prediction}"
        )
    error = ", ".join(f"{e:+.8f}" for e in result.final_prediction - result.target)
    results = {}
    if result.training.until_loss is not None:
        # --until-loss compares the loss of the iteration's batch
        compared, never = (
            ("loss", "the loss")
            if example.batch == example.samples
            else ("its batch's loss", "every batch's loss")
        )
        limit = exact(result.training.until_loss)
        results["stopped"] = (
            f"at iteration {before + result.stopped_at}, {compared} below {limit}"
            if result.stopped_at
            else f"never: {never} stayed at or above {limit}"
        )
    results |= {
        f"loss at iteration {before + n}": f"{result.last_iteration_loss:.10f}",
        f"loss after {before + result.updates} updates": f"{result.final_loss:.10f}"
        + ("" if one_sample else "   (mean E over every sample)"),
    }
    if one_sample:
        results |= {
            "prediction": f"{vector_text(result.final_prediction)}"
            f"   target {vector_text(result.target, 2)}",
            "error": f"[{error}]   (prediction - target)",
        }
    if result.error_reduction_percent is not None:  # None for mini-batches
        results["error reduction"] = (
            f"{result.error_reduction_percent:.4f}%"
            f"   (1 - loss after / loss at iteration {before + 1})"
        )
    if result.training.penalised:
        results["penalty after"] = f"{result.final_penalty:.10f}   (l1 sum|w| + l2 sum w^2)"
    label_width = max(len(label) for label in results)
    lines += [
        "",
        "Results",
        *(f"  {label:<{label_width}}  {value}" for label, value in results.items()),
    ]
    if not one_sample:
        lines += [
            "",
            "Predictions after training (inputs -> o1, o2)",
            *_sample_lines(result, example),
        ]
    lines += [
        "",
        "Final weights",
        *_weight_lines(result.final_hidden_weights, result.final_output_weights),
    ]
    if example.train_biases:
        (b_h1, b_h2), (b_o1, b_o2) = result.final_biases
        lines.append(
            f"  b_h1 = {_weight(b_h1)}  b_h2 = {_weight(b_h2)}"
            f"  b_o1 = {_weight(b_o1)}  b_o2 = {_weight(b_o2)}"
        )
    return "\n".join(lines)
