"""--explain: the tutorial's first iteration, number by number, beside its published figures.

Every implementation hands ``format_explanation`` the same named values (the
forward pass, the output deltas, the eight gradients, the updated weights);
the NumPy reference also hands over the chain-rule product behind each one.
A value the tutorial prints is shown beside ours, with whether the two agree
at the tutorial's printed precision; a value it does not print (the
sequential order's w1+..w4+, for one) is shown with "-" and not counted.
``explanation_document`` and ``values_document`` give the same explanation as
a plain dict for JSON, decided and counted by the same code as the text.
"""

from dataclasses import dataclass

from numpy_ref.numbers import exact

#: Figures the tutorial publishes for its first iteration, as printed (Matt
#: Mazur, "A Step by Step Backpropagation Example", 2015; copied with their
#: sources in docs/reference-figures.md).  The number of decimals printed is
#: the precision at which ours must agree.
PUBLISHED = {
    "net_h1": "0.3775",
    "out_h1": "0.593269992",
    "out_h2": "0.596884378",
    "net_o1": "1.105905967",
    "out_o1": "0.75136507",
    "out_o2": "0.772928465",
    "E_o1": "0.274811083",
    "E_o2": "0.023560026",
    "E_total": "0.298371109",
    "dE/dw5": "0.082167041",
    "dE/dw6": "0.08266763",
    "dE/dw7": "-0.02260254",
    "dE/dw8": "-0.02274024",
    "dE/dw1": "0.000438568",
    "dE/dw2": "0.00087714",
    "dE/dw3": "0.00049771",
    "dE/dw4": "0.00099543",
    "w5+": "0.35891648",
    "w6+": "0.408666186",
    "w7+": "0.511301270",
    "w8+": "0.561370121",
}
#: The updated hidden weights depend on the order.  The tutorial's worked
#: step is parallel, and it prints only the parallel w1+..w4+; the sequential
#: order's are computed values, which the tutorial does not print.
PUBLISHED_HIDDEN_UPDATE = {
    "parallel": {
        "w1+": "0.149780716",
        "w2+": "0.19956143",
        "w3+": "0.24975114",
        "w4+": "0.29950229",
    },
}


@dataclass
class Line:
    name: str  # the tutorial's name, e.g. "dE/dw5"
    value: float
    formula: str = ""  # the product or sum the value comes from, if shown
    published_as: str = ""  # the key in PUBLISHED, when it differs from name


def run_settings(update, optimizer, example, dtype):
    """'parallel update, lr 0.5, float64', naming the optimizer when it is not SGD."""
    named = "" if optimizer.name == "sgd" else f", {optimizer.name}"
    return f"{update} update{named}, lr {exact(example.learning_rate)}, {dtype}"


def agrees(value, published):
    """Whether ``value`` rounds to the published figure at its printed decimals."""
    decimals = len(published.split(".")[1]) if "." in published else 0
    return round(float(value), decimals) == round(float(published), decimals)


def published_figures(update, optimizer="sgd"):
    """The figures the tutorial prints for ``update``'s first iteration, by name.

    The tutorial's updated weights are plain SGD's: with another optimizer
    only the forward pass and the gradients are its figures.
    """
    figures = {**PUBLISHED, **PUBLISHED_HIDDEN_UPDATE.get(update, {})}
    if optimizer != "sgd":
        figures = {name: figure for name, figure in figures.items() if not name.endswith("+")}
    return figures


def check_entry(entry, figures):
    """(published figure or None, whether ours agrees with it or None) for one Line.

    The one place that decides what is compared and counted: the text and the
    JSON document both go through it.
    """
    published = figures.get(entry.published_as or entry.name)
    if published is None:
        return None, None
    return published, agrees(entry.value, published)


def _count(checks):
    """(published figures checked, how many of them agree) from check_entry's pairs."""
    checked = [ok for published, ok in checks if published is not None]
    return len(checked), sum(checked)


def _summary_lines(checked, agreed, update, optimizer):
    lines = [f"{agreed} of {checked} published figures agree at the tutorial's precision."]
    if optimizer != "sgd":
        lines = [
            lines[0][:-1] + ";",
            f"w1+..w8+ are {optimizer}'s, the tutorial prints plain SGD's.",
        ]
    elif update not in PUBLISHED_HIDDEN_UPDATE:
        lines = [
            lines[0][:-1] + ";",
            f"w1+..w4+ are the {update} order's, the tutorial prints the parallel ones.",
        ]
    return lines


def format_explanation(title, sections, update, optimizer="sgd"):
    """The explanation as text: one line per value, the tutorial's figure beside it."""
    figures = published_figures(update, optimizer)
    lines = [title, "", "name               ours          tutorial     agree", "-" * 54]
    checks = []
    for heading, entries in sections:
        lines += ["", heading]
        for entry in entries:
            published, ok = check_entry(entry, figures)
            checks.append((published, ok))
            if published is None:
                verdict, shown = "", "-"
            else:
                verdict, shown = ("yes" if ok else "NO"), published
            line = f"  {entry.name:<16} {_number(entry.value)}  {shown:>12}  {verdict}"
            lines.append(line.rstrip())
            lines += _formula_lines(entry.formula)
    lines += ["", *_summary_lines(*_count(checks), update, optimizer)]
    return "\n".join(lines)


def explanation_document(title, sections, update, optimizer="sgd"):
    """The explanation as a plain dict, ready for json.dumps: the text's values and counts.

    {"title", "update", "sections": [{"heading", "values": [{"name", "value",
    "formula", "published", "agrees"}]}], "published_checked",
    "published_agree"}; "formula", "published" and "agrees" are None where
    the text shows none (a value the tutorial does not print has
    "published": None and "agrees": None, and is not counted).
    """
    figures = published_figures(update, optimizer)
    checks, document_sections = [], []
    for heading, entries in sections:
        values = []
        for entry in entries:
            published, ok = check_entry(entry, figures)
            checks.append((published, ok))
            values.append(
                {
                    "name": entry.name,
                    "value": float(entry.value),
                    "formula": entry.formula or None,
                    "published": published,
                    "agrees": None if ok is None else bool(ok),
                }
            )
        document_sections.append({"heading": heading, "values": values})
    checked, agreed = _count(checks)
    return {
        "title": title,
        "update": update,
        "optimizer": optimizer,
        "sections": document_sections,
        "published_checked": checked,
        "published_agree": int(agreed),
    }


def _number(value):
    """Nine decimals; a small nonzero value (an RMSprop or Adam average) in e-notation."""
    if value != 0 and abs(value) < 1e-4:
        return f"{value:>13.6e}"
    return f"{value:>13.9f}"


def _formula_lines(formula, indent="      ", width=80):
    """The formula on one line, or one '= ...' step per line when too wide."""
    if not formula:
        return []
    if len(indent) + len(formula) <= width:
        return [indent + formula]
    steps = formula.removeprefix("= ").split(" = ")
    return [f"{indent}= {step}" for step in steps]
