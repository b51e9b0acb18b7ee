// Mazur's 2-2-2 network trained by plain SGD in C# doubles: the cross-check of
// numpy_ref in another language and runtime (its own Math.Exp, its own loops, no
// NumPy, no BLAS).  Python chooses everything (data, batches, starting weights) and
// sends it as JSON on standard input; this program holds only the arithmetic and
// writes every iteration's figures and the final weights as JSON on standard output.
//
// Weights are in the tutorial's orientation, row = receiving neuron:
//     wHidden = [[w1, w2], [w3, w4]]    net_h1 = w1 i1 + w2 i2 + b_h1
//     wOutput = [[w5, w6], [w7, w8]]    net_o1 = w5 out_h1 + w6 out_h2 + b_o1
// Parallel: every gradient from the weights the forward pass used.  Sequential:
// the output layer's step first, then the hidden deltas through the NEW w5..w8.
//
// Doubles cross the boundary exactly: Python sends float.hex() text, which
// FromHex reads bit for bit (Mono's double.Parse is not correctly rounded), and
// this program writes "G17", 17 significant digits, which Python reads back exactly.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

static class Network
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    // out = 1 / (1 + e^-net)
    static double Sigmoid(double net) { return 1.0 / (1.0 + Math.Exp(-net)); }

    // net_j = w_j1 input_1 + w_j2 input_2 + b_j, then out_j = sigmoid(net_j)
    static double[] Layer(double[,] w, double[] input, double[] b)
    {
        var output = new double[2];
        for (int j = 0; j < 2; j++)
            output[j] = Sigmoid(input[0] * w[j, 0] + input[1] * w[j, 1] + b[j]);
        return output;
    }

    // E = sum over the outputs of 1/2 (t - out)^2
    static double HalfSquaredError(double[] target, double[] output)
    {
        return 0.5 * ((target[0] - output[0]) * (target[0] - output[0])
                    + (target[1] - output[1]) * (target[1] - output[1]));
    }

    // w <- w - lr dE/dw: dE/dw_ji = sum over the batch of delta_j * input_i;
    // b <- b - lr dE/db: dE/db_j = sum over the batch of delta_j (dnet/db = 1)
    static void Step(double[,] w, double[] b, double[][] deltas, double[][] inputs,
                     double lr, bool trainBiases)
    {
        for (int j = 0; j < 2; j++)
        {
            for (int i = 0; i < 2; i++)
            {
                double gradient = 0.0;
                for (int s = 0; s < deltas.Length; s++) gradient += deltas[s][j] * inputs[s][i];
                w[j, i] = w[j, i] - gradient * lr;
            }
            if (trainBiases) b[j] = b[j] - deltas.Sum(delta => delta[j]) * lr;
        }
    }

    static void Main()
    {
        var run = (Dictionary<string, object>)Json.Read(Console.In.ReadToEnd());
        double[][] x = Rows(run["inputs"]), target = Rows(run["targets"]), biases = Rows(run["biases"]);
        double[,] wHidden = Matrix(run["hidden_weights"]), wOutput = Matrix(run["output_weights"]);
        double[] bHidden = biases[0], bOutput = biases[1];
        double lr = FromHex((string)run["learning_rate"]);
        long iterations = (long)run["iterations"], batch = (long)run["batch_size"];
        bool sequential = (string)run["update"] == "sequential", trainBiases = (bool)run["train_biases"];
        long perPass = (x.Length + batch - 1) / batch;  // batches in one pass over the data

        var json = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
        json.Write("{\"history\": [");
        for (long k = 0; k < iterations; k++)
        {
            int first = (int)(k % perPass * batch), m = (int)Math.Min(batch, x.Length - first);
            double[][] input = x.Skip(first).Take(m).ToArray(), t = target.Skip(first).Take(m).ToArray();
            var hidden = input.Select(sample => Layer(wHidden, sample, bHidden)).ToArray();
            var output = hidden.Select(outH => Layer(wOutput, outH, bOutput)).ToArray();
            double loss = Enumerable.Range(0, m).Sum(s => HalfSquaredError(t[s], output[s])) / m;
            json.Write((k == 0 ? "\n" : ",\n")
                       + Numbers(new[] { loss }, output[0], hidden[0], Flat(wHidden), Flat(wOutput)));

            // delta_o = dE/dnet_o = (out_o - t) out_o (1 - out_o), of the batch's mean loss
            var deltaO = Each(m, (s, j) => (output[s][j] - t[s][j]) * output[s][j] * (1.0 - output[s][j]) / m);
            // parallel: a copy of the forward pass's w5..w8; sequential: the ones Step updates
            var carrying = sequential ? wOutput : (double[,])wOutput.Clone();
            Step(wOutput, bOutput, deltaO, hidden, lr, trainBiases);  // the output layer first
            // delta_h = dE/dnet_h = (delta_o1 w_1i + delta_o2 w_2i) out_h (1 - out_h)
            var deltaH = Each(m, (s, i) => (deltaO[s][0] * carrying[0, i] + deltaO[s][1] * carrying[1, i])
                                           * hidden[s][i] * (1.0 - hidden[s][i]));
            Step(wHidden, bHidden, deltaH, input, lr, trainBiases);
        }
        var predictions = x.Select(sample => Layer(wOutput, Layer(wHidden, sample, bHidden), bOutput))
                           .ToArray();
        double finalLoss = Enumerable.Range(0, x.Length)
                           .Sum(s => HalfSquaredError(target[s], predictions[s])) / x.Length;
        json.Write("],\n\"hidden_weights\": " + Numbers(Flat(wHidden)));
        json.Write(",\n\"output_weights\": " + Numbers(Flat(wOutput)));
        json.Write(",\n\"biases\": " + Numbers(bHidden, bOutput));
        json.Write(",\n\"final_loss\": " + Numbers(new[] { finalLoss }));
        json.Write(",\n\"predictions\": [" + string.Join(", ", predictions.Select(p => Numbers(p))) + "]}\n");
        json.Flush();
    }

    // an m x 2 array: f(s, j) for every sample s of the batch and neuron j of a layer
    static double[][] Each(int m, Func<int, int, double> f)
    {
        return Enumerable.Range(0, m).Select(s => new[] { f(s, 0), f(s, 1) }).ToArray();
    }

    // [[w1, w2], [w3, w4]] -> [w1, w2, w3, w4]
    static double[] Flat(double[,] w) { return new[] { w[0, 0], w[0, 1], w[1, 0], w[1, 1] }; }

    // a JSON array of every number given, each to 17 significant digits
    static string Numbers(params double[][] parts)
    {
        return "[" + string.Join(", ", parts.SelectMany(p => p).Select(v => v.ToString("G17", Invariant))) + "]";
    }

    static double[][] Rows(object rows)
    {
        return ((List<object>)rows).Select(row => ((List<object>)row).Select(v => FromHex((string)v)).ToArray())
                                   .ToArray();
    }

    static double[,] Matrix(object rows)
    {
        var r = Rows(rows);
        return new[,] { { r[0][0], r[0][1] }, { r[1][0], r[1][1] } };
    }

    // Python's float.hex(): "-0x1.8p-1" is -(0x18 / 16) 2^-1, every bit exact
    static double FromHex(string text)
    {
        string[] parts = text.TrimStart('-').Substring(2).Split('p'), digits = parts[0].Split('.');
        long mantissa = Convert.ToInt64(digits[0] + digits[1], 16);
        double value = mantissa * Math.Pow(2, int.Parse(parts[1], Invariant) - 4 * digits[1].Length);
        return text.StartsWith("-") ? -value : value;
    }
}

// Reads the one JSON document this program is sent: objects, arrays, strings without
// escapes, whole numbers, true and false.  Its tokens are brackets, strings and words;
// commas and colons only separate them.
class Json
{
    readonly string[] tokens;
    int at;

    Json(string text)
    {
        tokens = Regex.Matches(text, @"[{}\[\]]|""[^""]*""|[^\s{}\[\],:""]+").Cast<Match>()
                      .Select(match => match.Value).ToArray();
    }

    public static object Read(string text) { return new Json(text).Value(); }

    object Value()
    {
        string token = tokens[at++];
        if (token == "{")
        {
            var members = new Dictionary<string, object>();
            while (tokens[at] != "}") members[(string)Value()] = Value();  // name, then value
            at++;
            return members;
        }
        if (token == "[")
        {
            var items = new List<object>();
            while (tokens[at] != "]") items.Add(Value());
            at++;
            return items;
        }
        if (token.StartsWith("\"")) return token.Trim('"');
        return token == "true" ? true : token == "false" ? (object)false : long.Parse(token);
    }
}
