"""Write the interactive page: the network at every iteration, its chain rule, both orders.

One self-contained HTML file (its script, styles and numbers inline; it asks
the network for nothing, so it opens from a disk or an e-mail): the 2-2-2
network drawn as the tutorial draws it, with every weight on its edge and
every neuron's net and out, at the iteration a slider chooses; the chain
rule of any weight with its numbers; parallel and sequential order side by
side; every optimizer; the loss curve of both orders.  Every number is
numpy_ref's, in float64.  The address keeps the view, so a link shares it:

    explorer.html#it=137&order=sequential&opt=adam&weight=w5

    python explore.py
    python explore.py 5000 --out big.html
    python explore.py --data xor --train-biases --lr 4
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split

import os
import sys
from pathlib import Path

from console.explorer import explorer_parser, explorer_settings, settings_text
from console.process import EXIT_WRITE_FAILED, stops_cleanly
from explorer.page import page, page_data
from explorer.runs import first_non_finite, traces
from support.files import atomic_output


def build_parser():
    """The script's console.parser.ArgumentParser: every option it takes."""
    return explorer_parser(__doc__)


def parse_args(argv=None):
    """The ExplorerSettings of ``argv``; exit 2 on a bad command line, before training."""
    parser = build_parser()
    return explorer_settings(parser, parser.parse_args(argv), argv)


def write_page(path, text):
    """Write ``text`` to ``path`` whole or not at all."""
    with atomic_output(path) as temporary:
        Path(temporary).write_text(text, encoding="utf-8")


@stops_cleanly
def main(argv=None):
    settings = parse_args(argv)
    runs = traces(settings.example, settings.optimizers, settings.iterations)
    data = page_data(settings.example, runs, settings.iterations)
    text = page(data, command=settings.command, settings=settings_text(settings))
    try:
        write_page(settings.out, text)
    except OSError as error:
        print(f"error: cannot write {settings.out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_WRITE_FAILED
    print(f"wrote {settings.out} ({os.path.getsize(settings.out):,} bytes)")
    for trace in runs:
        diverged_at = first_non_finite(trace)
        if diverged_at is not None:
            print(
                f"note: {trace.optimizer.name}, {trace.update}: the loss is inf or NaN from"
                f" iteration {diverged_at} on; the page shows it as it is"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
