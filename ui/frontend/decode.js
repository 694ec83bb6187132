// Decoding what the server sends (see ui/live_paths.py): numpy arrays as plotly.py sends them, and families
// of runs as simulation/family.py encode_family packs them.

const NO_VALUE = 65535; // quantised code of "no value" (simulation/family.py)
const CODE_STEPS = 65534;
const DTYPES = {
  f4: Float32Array, f8: Float64Array, i1: Int8Array, u1: Uint8Array, i2: Int16Array, u2: Uint16Array,
  i4: Int32Array, u4: Uint32Array,
};

function bytesOf(b64) {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

// plotly.py sends numpy arrays as {dtype, bdata}: 1-D ones are decoded here, where the data goes to
// Plotly.animate; shaped ones (customdata) are left to plotly.js.
function typed(value) {
  if (value && value.bdata !== undefined && !value.shape) return new DTYPES[value.dtype](bytesOf(value.bdata).buffer);
  return value;
}

function formatOption(value) {
  return Number(value.toPrecision(3)).toString();
}

// value = low + code · (high − low) / CODE_STEPS, in log10 when `log`; NO_VALUE is NaN.
function decodeCodes(codes, range, from, n, log) {
  const [low, high] = range;
  const scale = (high - low) / CODE_STEPS;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const code = codes[from + i];
    const value = low + code * scale;
    out[i] = code === NO_VALUE ? NaN : (log ? Math.pow(10, value) : value);
  }
  return out;
}

// A family as sent by simulation/family.py encode_family: the codes are unpacked once, each row (run r,
// option o) is decoded on first use and kept.
function decodeFamily(encoded) {
  const codes = (key) => new Uint16Array(bytesOf(encoded[key]).buffer);
  const x = codes('x'), y = codes('y'), loss = codes('loss');
  const steps = encoded.steps ? codes('steps') : null;
  const offsets = [];
  let total = 0;
  encoded.lengths.forEach((row) => row.forEach((n) => { offsets.push(total); total += n; }));
  const width = encoded.options.length;
  const rows = new Map();
  return {
    control: encoded.control,
    key: encoded.key,
    runs: encoded.runs,
    row(r, o) {
      const index = r * width + o;
      if (!rows.has(index)) {
        const from = offsets[index], n = encoded.lengths[r][o];
        const stepNumbers = new Int32Array(n);
        for (let i = 0; i < n; i++) stepNumbers[i] = steps ? steps[from + i] : i;
        rows.set(index, {
          x: decodeCodes(x, encoded.x_range, from, n, false), y: decodeCodes(y, encoded.y_range, from, n, false),
          loss: decodeCodes(loss, encoded.loss_range, from, n, encoded.loss_log),
          steps: stepNumbers, died: encoded.died[r][o],
        });
      }
      return rows.get(index);
    },
  };
}
