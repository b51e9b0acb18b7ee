"""What every picture shares: its size, line styles, titles, and how it is written."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, SupportsFloat, TypeAlias

from support.files import atomic_output

if TYPE_CHECKING:  # for annotations only: plot_tensorflow_results.py imports this module
    # before its command line is checked, and --help must not load matplotlib
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Keyword arguments of a matplotlib call (a line's colour, style, width...).
Style: TypeAlias = dict[str, Any]


class Animation(Protocol):
    """A picture that is not a Figure: it writes its own file (animation.TrainingAnimation)."""

    def write(self, path: str) -> None: ...


#: What a picture module hands the plot script, by file name: a Figure or an Animation.
Picture: TypeAlias = "Figure | Animation"
#: How a picture writes a number on it: tutorial_number, or a shorter one.
NumberFormat: TypeAlias = Callable[[float], str]

FIGURE_SIZE = (10, 8)  # inches; at DPI below, 1000 x 800 pixels
DPI = 100

#: A value of exactly zero cannot be drawn on a log axis; it is drawn here
#: (and the axis's label says so).
LOG_FLOOR = 1e-20

#: Four line styles for four weights or two outputs.
SERIES_STYLES: list[Style] = [
    dict(linestyle="-", color="tab:blue"),
    dict(linestyle="--", color="tab:orange"),
    dict(linestyle="-.", color="tab:green"),
    dict(linestyle=":", color="tab:red", linewidth=2),
]


def finish(ax: "Axes", title: str, xlabel: str, ylabel: str, legend: bool = True) -> None:
    """Title, axis labels, a light grid and (unless told not to) the legend."""
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if legend:
        ax.legend(fontsize=7)


def write_figure(figure: "Figure", path: str) -> None:
    """Write the PNG whole or not at all."""
    with atomic_output(path) as temporary:
        figure.savefig(temporary, format="png", dpi=DPI)


def write_picture(picture: Picture, path: str) -> None:
    """Write a Figure as a PNG, or an animation (anything with ``write(path)``),
    whole or not at all."""
    if not hasattr(picture, "write"):
        write_figure(picture, path)
        return
    with atomic_output(path) as temporary:
        picture.write(temporary)


#: The tutorial prints its computed figures to nine decimals (0.593269992).
DECIMALS = 9


#: From this size on, a number is written in scientific notation: its nine
#: decimals would make a label wider than the picture (a diverging run's weights).
LARGE = 1e4


def tutorial_number(value: SupportsFloat) -> str:
    """Nine decimals with trailing zeros dropped, as the tutorial prints: 0.593269992,
    0.3775.  A number those nine decimals would show as 0, or one of LARGE or
    more (and inf, nan), is written in scientific notation instead."""
    value = float(value)
    if not abs(value) < LARGE:
        return f"{value:.6e}"
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    if float(text) == 0 and value != 0:
        return f"{value:.3e}"
    return "0" if text == "-0" else text
