"""explore.py's page, opened in headless Chromium (the operating system's, through Selenium):
its hooks hold numpy_ref's float64 numbers to 1e-12 at any address, a weight's chain rule
multiplies out to its gradient, the arrow keys and toggles move the view and the address,
and the file asks the network for nothing.  One page and one browser serve the module."""

import functools
import math
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, one_line, refused, refused_in_process, run_script, without_package

from explorer.browser import headless_chromium, missing, opened
from numpy_ref import MAZUR
from numpy_ref.data import XOR_DATA
from numpy_ref.example import Example
from numpy_ref.network import layer, sigmoid
from numpy_ref.optimizers import Optimizer
from numpy_ref.trainers import train
from numpy_ref.training import Training

needs_browser = pytest.mark.skipif(
    missing() is not None, reason=f"the page's browser tests need it: {missing()}"
)
TOLERANCE = 1e-12
MOST_BYTES = 3_000_000  # at the default 1000 iterations
#: The tutorial's first update (docs/reference-figures.md): dE/dw5, w5+, dE/dw1, w1+.
TUTORIAL = {"w5": (0.082167041, 0.35891648), "w1": (0.000438568, 0.149780716)}
#: An example with every bias trained and two-sample batches, for the bias hooks.
XOR_BIASES = Example(data=XOR_DATA, train_biases=True, batch_size=2, learning_rate=4.0)
XOR_OPTIONS = ("--data", "xor", "--train-biases", "--batch-size", "2", "--lr", "4")


@functools.cache
def reference(optimizer, update, k, example=MAZUR):
    """numpy_ref's state k of a run: {name: value} of w1..w8 (and biases), its loss,
    {name: gradient} of the update made from it, and the network's net and out."""
    seen = []
    result = train(
        k + 1,
        update,
        example,
        training=Training(Optimizer.named(optimizer)),
        observe=seen.append,
    )
    iteration = seen[k]
    names = ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"]
    values = [*iteration.parameters.w_hidden.ravel(), *iteration.parameters.w_output.ravel()]
    gradients = [*iteration.update.gradients.w_hidden.ravel()]
    gradients += [*iteration.update.gradients.w_output.ravel()]
    if example.train_biases:
        names += ["b_h1", "b_h2", "b_o1", "b_o2"]
        values += [*iteration.parameters.b_hidden, *iteration.parameters.b_output]
        gradients += [*iteration.update.gradients.b_hidden, *iteration.update.gradients.b_output]
    net_h = layer(iteration.parameters.w_hidden, iteration.x, iteration.parameters.b_hidden)[0]
    net_o = layer(iteration.parameters.w_output, iteration.hidden, iteration.parameters.b_output)
    return {
        "values": dict(zip(names, values, strict=True)),
        "loss": float(result.losses[k]),
        "gradients": dict(zip(names, gradients, strict=True)),
        "net": {"h1": net_h[0], "h2": net_h[1], "o1": net_o[0][0], "o2": net_o[0][1]},
        "out": {"h1": iteration.hidden[0][0], "h2": iteration.hidden[0][1]}
        | {"o1": sigmoid(net_o[0][0]), "o2": sigmoid(net_o[0][1])},
    }


def close(shown, expected):
    assert abs(float(shown) - expected) <= TOLERANCE * max(1.0, abs(expected)), (shown, expected)


# ---- the command line


def test_help_names_the_page_and_its_options():
    done = run_script("explore.py", "--help")
    assert done.returncode == 0
    for option in ("ITERATIONS", "--out", "--lr", "--data", "--train-biases", "--beta2"):
        assert option in done.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["0"], "must be at least 1"),
        (["20001"], "must be at most 20000"),
        (["many"], "must be a whole number"),
        (["--lr", "-1"], "above 0"),
        (["--out", "page.txt"], "must end in .html"),
        (["--out", "no-such-folder/page.html"], "cannot write no-such-folder/page.html"),
        (["--momentum", "1.5"], "[0, 1)"),
        (["--data", "no-such.csv"], "no-such.csv"),
        (["--seed", "3"], "only used by --init random"),
        (["--optimizer=adam"], "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, says):
    assert says in refused_in_process("explore.py", *args)


def test_an_existing_folder_as_out_is_refused_and_nothing_is_written(tmp_path):
    folder = tmp_path / "page.html"
    folder.mkdir()
    assert "it is a folder" in refused("explore.py", "--out", str(folder))
    assert os.listdir(folder) == [] and os.listdir(tmp_path) == ["page.html"]


def test_the_page_is_made_without_tensorflow(tmp_path):
    out = tmp_path / "small.html"
    done = run_script(
        "explore.py", "3", "--out", str(out), env=without_package(tmp_path, "tensorflow")
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {out}")


@pytest.fixture(scope="module")
def diverged_page(tmp_path_factory):
    """A page whose adam runs diverge (--lr 1e300): (its path, what the script printed)."""
    path = tmp_path_factory.mktemp("explorer") / "diverged.html"
    done = run_script("explore.py", "5", "--lr", "1e300", "--out", str(path))
    assert done.returncode == 0, done.stderr
    return path, done.stdout


def test_a_diverging_run_is_said_so(diverged_page):
    _, printed = diverged_page
    assert "note: adam, sequential: the loss is inf or NaN from iteration 1 on" in printed


# ---- the file itself


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    """The default page, 1000 iterations, made once for the module."""
    path = tmp_path_factory.mktemp("explorer") / "explorer.html"
    done = run_script("explore.py", "--out", str(path))
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def page_text(page_file):
    return page_file.read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_default_page_stays_under_3_mb(page_file):
    assert os.path.getsize(page_file) <= MOST_BYTES


@pytest.mark.slow
def test_the_file_asks_the_network_for_nothing(page_text):
    addresses = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]*)""", page_text)
    assert all(address.startswith("data:") for address in addresses), addresses
    for request in ("fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon"):
        assert request not in page_text
    assert not re.search(r"@import|url\(\s*['\"]?(?!data:)|<link|<iframe|\bimport\(", page_text)


def test_the_page_says_which_settings_made_it(page_text):
    assert "Made by <code>python explore.py --out " in page_text
    assert "1000 iterations of numpy_ref in float64, learning rate 0.5" in page_text
    assert "adam (beta1 0.9, beta2 0.999, epsilon 1e-07)" in page_text


# ---- in the browser


@pytest.fixture(scope="module")
def browser():
    if missing():
        pytest.skip(f"the page's browser tests need it: {missing()}")
    driver = headless_chromium()
    yield driver
    driver.quit()


#: The page's hooks, read in the browser: every weight's data-value, the loss, the gradient
#: panel's result and new weight, each neuron's net and out, the address, the requests made.
READ_HOOKS = """
const one = (selector, key) => {
  const found = document.querySelector(selector);
  return found ? found.getAttribute(key) : null;
};
const all = (key, name, value) => Object.fromEntries(
  [...document.querySelectorAll(`[data-${key}]`)].map(e => [e.dataset[name], e.dataset[value]]));
return {
  values: all('weight', 'weight', 'value'),
  loss: one('[data-loss]', 'data-loss'),
  gradient: one('[data-gradient]', 'data-gradient'),
  newValue: one('[data-new-value]', 'data-new-value'),
  net: all('net', 'neuron', 'net'),
  out: all('out', 'neuron', 'out'),
  hash: location.hash,
  resources: performance.getEntriesByType('resource').length,
};"""


def hooks(browser):
    """What READ_HOOKS reads, as a dict."""
    return browser.execute_script(READ_HOOKS)


def console_errors(browser):
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def check_view(shown, optimizer, update, k, *, weight=None, example=MAZUR):
    expected = reference(optimizer, update, k, example)
    assert shown["values"].keys() == expected["values"].keys()
    for name, value in expected["values"].items():
        close(shown["values"][name], value)
    close(shown["loss"], expected["loss"])
    for neuron in ("h1", "h2", "o1", "o2"):
        close(shown["net"][neuron], expected["net"][neuron])
        close(shown["out"][neuron], expected["out"][neuron])
    if weight:
        close(shown["gradient"], expected["gradients"][weight])
    assert shown["resources"] == 0


@pytest.mark.slow
@needs_browser
@pytest.mark.parametrize(
    ("address", "view"),
    [
        ("", ("sgd", "parallel", 0, None)),
        ("#it=137&order=sequential&opt=adam&weight=w5", ("adam", "sequential", 137, "w5")),
        ("#it=1000&order=parallel&opt=rmsprop&weight=w2", ("rmsprop", "parallel", 1000, "w2")),
        ("#it=1&order=sequential&opt=momentum&weight=w8", ("momentum", "sequential", 1, "w8")),
        ("#it=999&opt=nesterov", ("nesterov", "parallel", 999, None)),
        ("#it=99999&order=sideways&opt=none&weight=w9", ("sgd", "parallel", 1000, None)),
    ],
)
def test_an_address_opens_exactly_that_view(browser, page_file, address, view):
    optimizer, update, k, weight = view
    shown = hooks(opened(browser, page_file, address))
    check_view(shown, optimizer, update, k, weight=weight)
    expected_hash = f"#it={k}&order={update}&opt={optimizer}" + (
        f"&weight={weight}" if weight else ""
    )
    assert shown["hash"] == expected_hash
    assert console_errors(browser) == []


#: The gradient panel: the factors of the line that ends in the gradient, the gradient as
#: printed, and the panel's text.
READ_CHAIN = """
const line = document.querySelector('#gradient-panel p.chain');
const factors = [...line.querySelectorAll('[data-factor]')];
return {
  factors: factors.map(e => Number(e.dataset.factor)),
  printed: document.querySelector('[data-gradient]').textContent,
  text: document.getElementById('gradient-panel').textContent,
};"""


def chain_factors(browser):
    return browser.execute_script(READ_CHAIN)


@needs_browser
@pytest.mark.parametrize(("weight", "words"), [("w5", "o1"), ("w1", "h1")])
def test_clicking_a_weight_shows_the_tutorials_chain_rule(browser, page_file, weight, words):
    opened(browser, page_file, "#it=0&order=parallel&opt=sgd")
    browser.find_element("css selector", f'[data-weight="{weight}"]').click()
    chain = chain_factors(browser)
    shown = hooks(browser)
    gradient, new_weight = TUTORIAL[weight]
    assert f"dE/dout_{words} × dout_{words}/dnet_{words} × dnet_{words}/d{weight}" in chain["text"]
    assert len(chain["factors"]) == 3
    product = math.prod(chain["factors"])
    close(product, float(shown["gradient"]))  # the product is the gradient
    assert float(chain["printed"]) == pytest.approx(product, rel=1e-9)  # to the digits printed
    assert float(shown["gradient"]) == pytest.approx(gradient, abs=1e-9)
    assert float(shown["newValue"]) == pytest.approx(new_weight, abs=1e-8)
    assert f"{weight} − η × dE/d{weight}" in chain["text"]
    assert shown["hash"] == f"#it=0&order=parallel&opt=sgd&weight={weight}"
    assert console_errors(browser) == []


@needs_browser
def test_a_hidden_weight_in_sequential_order_goes_through_the_updated_output_weights(
    browser, page_file
):
    opened(browser, page_file, "#it=0&order=sequential&opt=sgd&weight=w1")
    chain = chain_factors(browser)
    carried = browser.execute_script(
        "return [...document.querySelectorAll('#gradient-panel p:not(.chain) [data-factor]')]"
        ".map(e => Number(e.dataset.factor));"
    )
    # delta_o1 x w5 + delta_o2 x w7, with w5 and w7 after the first update (the tutorial's w5+, w7+)
    assert carried[1] == pytest.approx(0.35891648, abs=1e-8)
    assert carried[3] == pytest.approx(0.511301270, abs=1e-8)
    close(math.prod(chain["factors"]), reference("sgd", "sequential", 0)["gradients"]["w1"])
    assert "Sequential order: these w5..w8 are the output weights after" in chain["text"]


@needs_browser
def test_the_arrow_keys_step_one_iteration(browser, page_file):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    opened(browser, page_file, "#it=137&order=sequential&opt=adam&weight=w5")
    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
    check_view(hooks(browser), "adam", "sequential", 138, weight="w5")
    assert hooks(browser)["hash"] == "#it=138&order=sequential&opt=adam&weight=w5"
    ActionChains(browser).send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT).perform()
    check_view(hooks(browser), "adam", "sequential", 136, weight="w5")
    assert console_errors(browser) == []


@pytest.mark.slow
@needs_browser
def test_play_runs_through_the_iterations_and_pause_stops_there(browser, page_file):
    opened(browser, page_file, "#it=0&opt=nesterov")
    play = browser.find_element("id", "play")
    play.click()
    time.sleep(0.5)
    play.click()
    shown = hooks(browser)
    k = int(re.match(r"#it=(\d+)&", shown["hash"])[1])
    assert 0 < k < 1000 and play.text == "Play"
    check_view(shown, "nesterov", "parallel", k)
    time.sleep(0.2)
    assert hooks(browser)["hash"] == shown["hash"]  # paused


@pytest.mark.slow
@needs_browser
def test_the_toggles_change_the_view_and_the_address(browser, page_file):
    from selenium.webdriver.support.ui import Select

    opened(browser, page_file, "#it=500")
    browser.find_element("css selector", 'input[value="sequential"]').click()
    Select(browser.find_element("id", "optimizer")).select_by_value("rmsprop")
    shown = hooks(browser)
    assert shown["hash"] == "#it=500&order=sequential&opt=rmsprop"
    check_view(shown, "rmsprop", "sequential", 500)
    difference = browser.execute_script(
        "return document.querySelector('[data-difference=\"w1\"]').lastChild.textContent"
    )
    parallel, sequential = (
        reference("rmsprop", u, 500)["values"]["w1"] for u in ("parallel", "sequential")
    )
    assert float(difference) == pytest.approx(sequential - parallel, rel=1e-2)
    assert console_errors(browser) == []


@needs_browser
def test_the_loss_curve_tells_its_points_and_moves_the_slider(browser, page_file):
    from selenium.webdriver.common.action_chains import ActionChains

    opened(browser, page_file, "#it=0&opt=momentum")
    curve = browser.find_element("id", "loss-curve")
    ActionChains(browser).move_to_element_with_offset(curve, 20, 0).perform()
    tip = browser.find_element("id", "loss-tip").text
    k = int(re.match(r"iteration (\d+): loss (\S+) parallel", tip)[1])
    assert 0 < k < 1000
    printed = float(re.match(r"iteration \d+: loss (\S+) parallel", tip)[1])
    assert printed == pytest.approx(reference("momentum", "parallel", k)["loss"], rel=1e-9)
    ActionChains(browser).click().perform()
    assert hooks(browser)["hash"] == f"#it={k}&order=parallel&opt=momentum"
    assert console_errors(browser) == []


#: The page's width, its smallest text (of every element that shows text of its own),
#: and each SVG's pixels per unit.
READ_SIZES = """
const texts = [...document.querySelectorAll('body *')].filter(e => e.getClientRects().length
  && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
const sizes = texts.map(e => parseFloat(getComputedStyle(e).fontSize));
const scales = [...document.querySelectorAll('svg')].map(
  s => s.getBoundingClientRect().width / s.viewBox.baseVal.width);
return [document.documentElement.scrollWidth, Math.min(...sizes), scales];"""


@needs_browser
def test_the_page_reads_at_1000_px_with_text_of_12_px_or_more(browser, page_file):
    opened(browser, page_file, "#it=137&weight=w6")
    widest, smallest, scales = browser.execute_script(READ_SIZES)
    assert browser.execute_script("return window.innerWidth") == 1000
    assert widest <= 1000
    assert smallest >= 12
    assert all(scale >= 1 for scale in scales)  # an SVG's 12 units are 12 pixels or more


@pytest.fixture(scope="module")
def biases_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("explorer") / "biases.html"
    done = run_script("explore.py", "40", *XOR_OPTIONS, "--out", str(path))
    assert done.returncode == 0, done.stderr
    return path


@needs_browser
def test_trained_biases_have_hooks_and_chain_rules(browser, biases_page):
    opened(browser, biases_page, "#it=7&order=sequential&opt=sgd&weight=b_h2")
    shown = hooks(browser)
    expected = reference("sgd", "sequential", 7, XOR_BIASES)
    for name in ("b_h1", "b_h2", "b_o1", "b_o2", "w3"):
        close(shown["values"][name], expected["values"][name])
    close(shown["loss"], expected["loss"])
    close(shown["gradient"], expected["gradients"]["b_h2"])
    assert "The batch has 2 samples" in chain_factors(browser)["text"]
    assert console_errors(browser) == []


@needs_browser
def test_a_diverged_run_opens_and_shows_its_nan(browser, diverged_page):
    path, _ = diverged_page
    opened(browser, path, "#it=3&order=sequential&opt=adam&weight=w1")
    shown = hooks(browser)
    assert shown["loss"] == "NaN" and shown["gradient"] == "NaN"
    assert console_errors(browser) == []


@pytest.mark.slow
@pytest.mark.parametrize(("signal_number", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_the_runs_train_ends_in_one_line_and_writes_nothing(
    tmp_path, signal_number, status
):
    child = subprocess.Popen(
        [sys.executable, "explore.py", "20000", "--out", str(tmp_path / "long.html")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)  # the runs have started (or the imports not ended: one line either way)
    child.send_signal(signal_number)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == status
    assert one_line(stderr).endswith("stopped before the end, nothing was written")
    assert os.listdir(tmp_path) == []
