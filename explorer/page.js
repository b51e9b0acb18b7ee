"use strict";
// The explorer: every number of every iteration comes from numpy_ref (float64), packed by
// explorer/page.py; this script draws it.  net and out are computed here from numpy_ref's
// weights with the same formulas (the browser tests hold them to numpy_ref at 1e-12).
(function () {
  const DATA = JSON.parse(document.getElementById("explorer-data").textContent);
  const N = DATA.iterations;
  const NAMES = DATA.names; // w1..w8, then b_h1..b_o2 when the biases train
  const P = NAMES.length;
  const ORDERS = ["parallel", "sequential"];
  const SVG_NS = "http://www.w3.org/2000/svg"; // a namespace name, not an address
  const $ = (id) => document.getElementById(id);

  // ---- the runs: base64 of little-endian float64, states (N + 2) x P, gradients (N + 1) x P, losses N + 1
  function decoded(text) {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const view = new DataView(bytes.buffer);
    const values = new Float64Array(bytes.length / 8);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat64(8 * i, true);
    return values;
  }
  const RUNS = {};
  for (const [key, text] of Object.entries(DATA.runs)) {
    const v = decoded(text);
    const gradientsAt = (N + 2) * P;
    const lossesAt = gradientsAt + (N + 1) * P;
    RUNS[key] = {
      parameter: (k, j) => v[k * P + j],
      gradient: (k, j) => v[gradientsAt + k * P + j],
      loss: (k) => v[lossesAt + k],
    };
  }
  const OPTIMIZERS = DATA.optimizers.map((o) => o.name);
  const state = { it: 0, order: "parallel", opt: OPTIMIZERS[0], weight: null, sample: 0 };
  const run = (order = state.order, opt = state.opt) => RUNS[`${opt}/${order}`];

  // ---- numbers as the page prints them
  const digits = (x, n) => (Number.isFinite(x) ? x.toPrecision(n) : String(x));
  const full = (x) => String(x); // the shortest text that reads back as the same float64
  const shown = (x) => digits(x, 10); // the chain rule's numbers
  const short = (x) => digits(x, 6); // the network's numbers

  // ---- the forward pass: net = w·input + b, out = 1 / (1 + e^-net)
  const sigmoid = (net) => 1 / (1 + Math.exp(-net));
  function parametersAt(k) {
    const values = NAMES.map((_, j) => run().parameter(k, j));
    const [bh, bo] = DATA.biases;
    return { w: values.slice(0, 8), b: DATA.trainBiases ? values.slice(8) : [bh, bh, bo, bo] };
  }
  function forward(p, x) {
    const { w, b } = p;
    const netH = [x[0] * w[0] + x[1] * w[1] + b[0], x[0] * w[2] + x[1] * w[3] + b[1]];
    const outH = netH.map(sigmoid);
    const netO = [outH[0] * w[4] + outH[1] * w[5] + b[2], outH[0] * w[6] + outH[1] * w[7] + b[3]];
    return { netH, outH, netO, outO: netO.map(sigmoid) };
  }
  // The batch the update made from state k trains on (numpy_ref.data.DataSet.batch_rows).
  function batchRows(k) {
    const m = DATA.inputs.length;
    const first = (k % Math.ceil(m / DATA.batch)) * DATA.batch;
    return [first, Math.min(first + DATA.batch, m)];
  }

  // ---- small DOM helpers
  function svg(parent, tag, attributes, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    parent.appendChild(node);
    return node;
  }
  function html(parent, tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  // ---- the network, drawn as the tutorial draws it
  const AT = { i1: [60, 95], i2: [60, 295], h1: [290, 95], h2: [290, 295], o1: [520, 95], o2: [520, 295], b1: [175, 375], b2: [405, 375] };
  const RADIUS = 24;
  // [name, from, to, where along the edge its label sits]; crossing edges near their source
  const EDGES = [
    ["w1", "i1", "h1", 0.5], ["w2", "i2", "h1", 0.27], ["w3", "i1", "h2", 0.27], ["w4", "i2", "h2", 0.5],
    ["w5", "h1", "o1", 0.5], ["w6", "h2", "o1", 0.27], ["w7", "h1", "o2", 0.27], ["w8", "h2", "o2", 0.5],
    ["b_h1", "b1", "h1", 0], ["b_h2", "b1", "h2", 0], ["b_o1", "b2", "o1", 0], ["b_o2", "b2", "o2", 0],
  ];
  const network = $("network");
  const drawn = { edges: {}, labels: {}, neurons: {} };
  function drawNetwork() {
    for (const [name, from, to] of EDGES) {
      const [x1, y1] = AT[from];
      const [x2, y2] = AT[to];
      drawn.edges[name] = svg(network, "line", { class: "edge", x1, y1, x2, y2 });
    }
    for (const node of ["i1", "i2", "h1", "h2", "o1", "o2", "b1", "b2"]) {
      const [x, y] = AT[node];
      const g = svg(network, "g", { class: "neuron" });
      svg(g, "circle", { cx: x, cy: y, r: node[0] === "b" ? 16 : RADIUS });
      svg(g, "text", { class: "name", x, y: y + 5, "text-anchor": "middle" }, node);
      const above = y < 200 && node[0] !== "b";
      const lift = node[0] === "o" ? 68 : 52; // an output's three lines (net, out, target) start higher
      const label = svg(network, "text", { x, y: above ? y - lift : y + 42, "text-anchor": "middle", "data-neuron": node });
      drawn.neurons[node] = label;
    }
    EDGES.forEach(([name, from, to, along], j) => {
      if (j >= P) return; // a constant bias has no label of its own: its node says its value
      const [x1, y1] = AT[from];
      const [x2, y2] = AT[to];
      const x = name[0] === "b" ? x1 : x1 + (x2 - x1) * along; // a bias's labels: under its node
      const y = name[0] === "b" ? y1 + (name.endsWith("1") ? 34 : 57) : y1 + (y2 - y1) * along;
      const g = svg(network, "g", { class: "weight", tabindex: 0, role: "button", "data-weight": name });
      g.appendChild(document.createElementNS(SVG_NS, "title"));
      svg(g, "rect", { x: x - 53, y: y - 11, width: 106, height: 21, rx: 4 });
      svg(g, "text", { x, y: y + 5, "text-anchor": "middle" });
      g.addEventListener("click", () => choose(name));
      g.addEventListener("focus", () => choose(name));
      drawn.labels[name] = g;
    });
  }
  function lines(node, texts) {
    node.textContent = "";
    texts.forEach((text, i) => svg(node, "tspan", { x: node.getAttribute("x"), dy: i ? 16 : 0 }, text));
  }
  function showNetwork() {
    const p = parametersAt(state.it);
    const widest = Math.max(...p.w.map(Math.abs).filter(Number.isFinite), 1e-300);
    EDGES.forEach(([name], j) => {
      const value = j < 8 ? p.w[j] : p.b[j - 8];
      const edge = drawn.edges[name];
      const width = j < 8 ? 1 + 5 * Math.min(Math.abs(value) / widest, 1) : 1.2;
      edge.setAttribute("stroke", value >= 0 ? "var(--positive)" : "var(--negative)");
      edge.setAttribute("stroke-width", Number.isFinite(width) ? width : 1);
      edge.setAttribute("stroke-dasharray", value >= 0 ? "" : "5 3");
      const label = drawn.labels[name];
      if (!label) return;
      label.setAttribute("data-value", full(value));
      label.querySelector("text").textContent = `${name} = ${short(value)}`;
      label.querySelector("title").textContent = `${name} = ${full(value)}`;
      label.classList.toggle("selected", state.weight === name);
    });
    const [first, end] = batchRows(state.it);
    const row = Math.min(first + state.sample, end - 1);
    const x = DATA.inputs[row];
    const t = DATA.targets[row];
    const f = forward(p, x);
    const neuron = (name, net, out, extra) => {
      const label = drawn.neurons[name];
      label.setAttribute("data-net", full(net));
      label.setAttribute("data-out", full(out));
      lines(label, [`net = ${short(net)}`, `out = ${short(out)}`, ...extra]);
    };
    lines(drawn.neurons.i1, [`i1 = ${x[0]}`]);
    lines(drawn.neurons.i2, [`i2 = ${x[1]}`]);
    neuron("h1", f.netH[0], f.outH[0], []);
    neuron("h2", f.netH[1], f.outH[1], []);
    neuron("o1", f.netO[0], f.outO[0], [`target ${t[0]}`]);
    neuron("o2", f.netO[1], f.outO[1], [`target ${t[1]}`]);
    const bias = (name, value) => lines(drawn.neurons[name], DATA.trainBiases ? [] : [`${name} = ${value}`]);
    bias("b1", DATA.biases[0]);
    bias("b2", DATA.biases[1]);
  }

  // ---- the chain rule of one weight, with its numbers
  function factor(value) {
    const span = document.createElement("span");
    span.className = "factor";
    span.setAttribute("data-factor", full(value));
    span.textContent = shown(value);
    return span;
  }
  function line(parent, parts, className) {
    const p = html(parent, "p", className ? { class: className } : {});
    p.append(...parts);
    return p;
  }
  // Each sample's terms of dE/d(parameter j) at state k, as numpy_ref.network computes them.
  function chainTerms(j, k) {
    const [first, end] = batchRows(k);
    const m = end - first;
    const p = parametersAt(k);
    const carrying = state.order === "sequential" ? parametersAt(k + 1).w : p.w; // which w5..w8 carry delta_o back
    const name = NAMES[j];
    const terms = [];
    for (let row = first; row < end; row++) {
      const x = DATA.inputs[row];
      const t = DATA.targets[row];
      const f = forward(p, x);
      // delta_o = dE/dout_o x dout_o/dnet_o, with dE/dout_o = (out_o - t) / m (the batch's mean E)
      const dOut = f.outO.map((o, q) => (o - t[q]) / m);
      const dNet = f.outO.map((o) => o * (1 - o));
      if ((j >= 4 && j < 8) || name.startsWith("b_o")) { // w5..w8 or an output bias
        const q = name.startsWith("b_o") ? Number(name[3]) - 1 : (j - 4) >> 1; // which output
        const input = name.startsWith("b_o") ? 1 : f.outH[(j - 4) & 1]; // dnet_o/dw = out_h, dnet_o/db = 1
        terms.push({ row, output: q, factors: [dOut[q], dNet[q], input] });
        continue;
      }
      const h = name.startsWith("b_h") ? Number(name[3]) - 1 : j >> 1; // which hidden neuron
      const input = name.startsWith("b_h") ? 1 : x[j & 1]; // dnet_h/dw = i, dnet_h/db = 1
      const delta = dOut.map((d, q) => d * dNet[q]);
      const through = [carrying[4 + h], carrying[6 + h]]; // w5, w7 for h1; w6, w8 for h2
      // dE/dout_h = delta_o1 w_(h->o1) + delta_o2 w_(h->o2)
      const dOutH = delta[0] * through[0] + delta[1] * through[1];
      terms.push({ row, hidden: h, delta, through, factors: [dOutH, f.outH[h] * (1 - f.outH[h]), input] });
    }
    return terms;
  }
  function valueSpan(attribute, value) {
    const span = document.createElement("span");
    span.setAttribute(attribute, full(value));
    span.textContent = shown(value);
    return span;
  }
  function showGradient() {
    const panel = $("gradient-panel");
    panel.textContent = "";
    const j = NAMES.indexOf(state.weight);
    html(panel, "h2", {}, j < 0 ? "The chain rule" : `dE/d${state.weight} at iteration ${state.it} (${state.order}, ${state.opt})`);
    if (j < 0) {
      line(panel, ["Click a weight (or reach it with Tab) to see its gradient, the chain rule with the numbers in it."]);
      return;
    }
    const name = NAMES[j];
    const k = state.it;
    const gradient = run().gradient(k, j);
    const result = valueSpan("data-gradient", gradient);
    result.id = "gradient";
    const terms = chainTerms(j, k);
    const several = terms.length > 1;
    if (several) {
      line(panel, [`The batch has ${terms.length} samples: each one's dE/dout is 1/${terms.length} of out − target (the loss is their mean), and dE/d${name} is the sum of their products.`], "note");
    }
    for (const term of terms) {
      const n = term.output !== undefined ? `o${term.output + 1}` : `h${term.hidden + 1}`;
      const prefix = several ? `sample ${term.row + 1}: ` : `dE/d${name} = `;
      if (term.hidden !== undefined) {
        const [a, b] = [5, 7].map((w) => `w${w + term.hidden}`);
        line(panel, [`${several ? `sample ${term.row + 1}: ` : ""}dE/dout_${n} = δ_o1 × ${a} + δ_o2 × ${b} = `, factor(term.delta[0]), " × ", factor(term.through[0]), " + ", factor(term.delta[1]), " × ", factor(term.through[1]), ` = ${shown(term.factors[0])}`]);
      }
      const p = line(panel, [`${prefix}dE/dout_${n} × dout_${n}/dnet_${n} × dnet_${n}/d${name} = `, factor(term.factors[0]), " × ", factor(term.factors[1]), " × ", factor(term.factors[2]), " = "], "chain");
      p.append(several ? shown(term.factors[0] * term.factors[1] * term.factors[2]) : result);
    }
    if (several) line(panel, [`dE/d${name} = the sum over the batch = `, result]);
    if (terms[0].hidden !== undefined) {
      const which = state.order === "sequential"
        ? `Sequential order: these w5..w8 are the output weights after this iteration's update (those of iteration ${k + 1}), not the ones the forward pass used.`
        : "Parallel order: these w5..w8 are the ones the forward pass used.";
      line(panel, [`A hidden neuron's dE/dout is the sum over both outputs, δ_o = dE/dout_o × dout_o/dnet_o. ${which}`], "note");
    } else {
      line(panel, [`dE/dout = out − target; dout/dnet = out (1 − out); dnet/d${name} = ${name[0] === "b" ? "1" : "the hidden output it carries"}.`], "note");
    }
    const before = run().parameter(k, j);
    const after = run().parameter(k + 1, j);
    const next = valueSpan("data-new-value", after);
    if (state.opt === "sgd") {
      line(panel, [`${name} − η × dE/d${name} = ${shown(before)} − ${DATA.learningRate} × ${shown(gradient)} = `, next, ` (${name} at iteration ${k + 1})`]);
      return;
    }
    const formula = DATA.optimizers.find((o) => o.name === state.opt).formula;
    line(panel, [`The step is ${state.opt}'s (${formula}), made from this gradient and the optimizer's state: it takes ${name} from ${shown(before)} to `, next, ` at iteration ${k + 1}, a step of ${shown(after - before)}.`], "note");
  }

  // ---- both orders, weight by weight
  function showOrders() {
    const table = $("orders");
    table.textContent = "";
    const head = html(table, "tr");
    for (const title of ["", "parallel", "sequential", "sequential − parallel"]) html(head, "th", {}, title);
    const k = state.it;
    const rows = NAMES.map((name, j) => [name, run("parallel").parameter(k, j), run("sequential").parameter(k, j)]);
    rows.push(["loss", run("parallel").loss(k), run("sequential").loss(k)]);
    for (const [name, a, b] of rows) {
      const tr = html(table, "tr", { "data-difference": name, class: name === state.weight ? "selected" : "" });
      html(tr, "td", {}, name);
      html(tr, "td", {}, short(a));
      html(tr, "td", {}, short(b));
      html(tr, "td", {}, b === a ? "0" : digits(b - a, 3));
    }
  }

  // ---- the loss curve, log scale, both orders
  const CURVE = { left: 64, right: 548, top: 12, bottom: 200 };
  const curve = $("loss-curve");
  let scale = null;
  function drawCurve() {
    curve.textContent = "";
    const losses = ORDERS.map((order) => Array.from({ length: N + 1 }, (_, k) => run(order).loss(k)));
    const finite = losses.flat().filter((l) => Number.isFinite(l) && l > 0);
    const low = Math.log10(Math.min(...finite, 1));
    const high = Math.log10(Math.max(...finite, 1e-300));
    const span = Math.max(high - low, 1e-12);
    const x = (k) => CURVE.left + ((CURVE.right - CURVE.left) * k) / Math.max(N, 1);
    const y = (l) => CURVE.bottom - ((CURVE.bottom - CURVE.top) * (Math.log10(l) - low)) / span;
    scale = { x, y };
    svg(curve, "line", { class: "axis", x1: CURVE.left, y1: CURVE.bottom, x2: CURVE.right, y2: CURVE.bottom });
    svg(curve, "line", { class: "axis", x1: CURVE.left, y1: CURVE.top, x2: CURVE.left, y2: CURVE.bottom });
    svg(curve, "text", { x: CURVE.left - 4, y: CURVE.top + 10, "text-anchor": "end" }, digits(10 ** high, 2));
    svg(curve, "text", { x: CURVE.left - 4, y: CURVE.bottom, "text-anchor": "end" }, digits(10 ** low, 2));
    svg(curve, "text", { x: CURVE.left, y: CURVE.bottom + 18, "text-anchor": "middle" }, "0");
    svg(curve, "text", { x: CURVE.right, y: CURVE.bottom + 18, "text-anchor": "end" }, String(N));
    svg(curve, "text", { x: (CURVE.left + CURVE.right) / 2, y: CURVE.bottom + 34, "text-anchor": "middle" }, "iteration (log-scale loss)");
    ORDERS.forEach((order, i) => {
      const points = losses[i].map((l, k) => (Number.isFinite(l) && l > 0 ? `${x(k).toFixed(2)},${y(l).toFixed(2)}` : "")).filter(Boolean);
      svg(curve, "polyline", { class: `curve ${order}`, points: points.join(" ") });
      svg(curve, "text", { x: CURVE.right - 4, y: CURVE.top + 14 + 16 * i, "text-anchor": "end", style: `fill: var(--${order})` }, order);
    });
    scale.marker = svg(curve, "line", { class: "marker", y1: CURVE.top, y2: CURVE.bottom });
    scale.dots = ORDERS.map((order) => svg(curve, "circle", { r: 4, style: `fill: var(--${order})` }));
  }
  function showCurve() {
    if (!scale) return;
    const k = state.it;
    scale.marker.setAttribute("x1", scale.x(k));
    scale.marker.setAttribute("x2", scale.x(k));
    ORDERS.forEach((order, i) => {
      const l = run(order).loss(k);
      scale.dots[i].setAttribute("cx", scale.x(k));
      scale.dots[i].setAttribute("cy", Number.isFinite(l) && l > 0 ? scale.y(l) : CURVE.top);
    });
  }
  function iterationUnder(event) {
    const box = curve.getBoundingClientRect();
    const px = ((event.clientX - box.left) * 560) / box.width;
    const k = Math.round(((px - CURVE.left) * N) / (CURVE.right - CURVE.left));
    return Math.min(Math.max(k, 0), N);
  }
  curve.addEventListener("mousemove", (event) => {
    const k = iterationUnder(event);
    $("loss-tip").textContent = `iteration ${k}: loss ${shown(run("parallel").loss(k))} parallel, ${shown(run("sequential").loss(k))} sequential (${state.opt}); click to go there`;
  });
  curve.addEventListener("click", (event) => update({ it: iterationUnder(event) }));

  // ---- the state, in the address
  function fromHash() {
    const asked = new URLSearchParams(location.hash.slice(1));
    const it = Number.parseInt(asked.get("it"), 10);
    return {
      it: Number.isFinite(it) ? Math.min(Math.max(it, 0), N) : 0,
      order: ORDERS.includes(asked.get("order")) ? asked.get("order") : "parallel",
      opt: OPTIMIZERS.includes(asked.get("opt")) ? asked.get("opt") : OPTIMIZERS[0],
      weight: NAMES.includes(asked.get("weight")) ? asked.get("weight") : null,
    };
  }
  function hash() {
    const parts = [`it=${state.it}`, `order=${state.order}`, `opt=${state.opt}`];
    if (state.weight) parts.push(`weight=${state.weight}`);
    return `#${parts.join("&")}`;
  }
  function choose(name) {
    if (state.weight !== name) update({ weight: name });
  }
  function update(changes) {
    const optimizerChanged = changes.opt !== undefined && changes.opt !== state.opt;
    Object.assign(state, changes);
    if (optimizerChanged) drawCurve();
    show();
    if (location.hash !== hash()) history.replaceState(null, "", hash());
  }
  function show() {
    $("slider").value = state.it;
    $("iteration").textContent = state.it;
    for (const radio of document.querySelectorAll('input[name="order"]')) radio.checked = radio.value === state.order;
    $("optimizer").value = state.opt;
    const loss = run().loss(state.it);
    const stateLine = $("state");
    stateLine.textContent = `Iteration ${state.it}: the network after ${state.it} update${state.it === 1 ? "" : "s"} (${state.order}, ${state.opt}). Loss `;
    html(stateLine, "span", { id: "loss", "data-loss": full(loss) }, shown(loss));
    const other = run(state.order === "parallel" ? "sequential" : "parallel").loss(state.it);
    stateLine.append(`; the other order's ${shown(other)}.`);
    showNetwork();
    showGradient();
    showOrders();
    showCurve();
  }

  // ---- controls
  let playing = null;
  function play() {
    if (playing) {
      clearInterval(playing);
      playing = null;
      $("play").textContent = "Play";
      return;
    }
    if (state.it >= N) update({ it: 0 });
    const stride = Math.max(1, Math.ceil(N / 500));
    $("play").textContent = "Pause";
    playing = setInterval(() => {
      update({ it: Math.min(state.it + stride, N) });
      if (state.it >= N) play();
    }, 40);
  }
  function setUp() {
    $("slider").max = N;
    for (const o of DATA.optimizers) html($("optimizer"), "option", { value: o.name, title: o.described }, o.name);
    const batch = DATA.batch;
    if (batch > 1) {
      $("sample-choice").hidden = false;
      $("sample").hidden = false;
      for (let s = 0; s < batch; s++) html($("sample"), "option", { value: s }, `${s + 1} of the batch`);
    }
    $("slider").addEventListener("input", () => update({ it: Number($("slider").value) }));
    for (const radio of document.querySelectorAll('input[name="order"]')) radio.addEventListener("change", () => update({ order: radio.value }));
    $("optimizer").addEventListener("change", () => update({ opt: $("optimizer").value }));
    $("sample").addEventListener("change", () => update({ sample: Number($("sample").value) }));
    $("play").addEventListener("click", play);
    document.addEventListener("keydown", (event) => {
      if (["INPUT", "SELECT"].includes(event.target.tagName)) return; // the slider, radios and selectors take their own arrows
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      update({ it: Math.min(Math.max(state.it + step, 0), N) });
    });
    window.addEventListener("hashchange", () => update(fromHash()));
    drawNetwork();
    Object.assign(state, fromHash());
    drawCurve();
    update({});
  }
  setUp();
})();
