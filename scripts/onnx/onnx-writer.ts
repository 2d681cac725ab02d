// A dependency-free writer for ONNX model files (onnx.proto, IR version 8), enough to build test and
// benchmark graphs in code: nodes with attributes, typed graph inputs/outputs with symbolic dims, and
// initializers stored as raw little-endian bytes. Only encoding — reading models is onnxruntime's job.
//
//   const bytes = encodeModel({ graph: { name: 'g', nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
//     inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4] }],
//     outputs: [{ name: 'y', type: 'float32', shape: ['batch', 4] }], initializers: [] } });

export type ElemType = 'float32' | 'int64' | 'int32' | 'bool';

export interface ValueInfo {
  name: string;
  type: ElemType;
  /** A number is a fixed dim; a string is a symbolic (dynamic) dim such as `"batch"`. */
  shape: Array<number | string>;
}

export interface TensorInit {
  name: string;
  type: ElemType;
  dims: number[];
  /** Row-major; `bool` takes a Uint8Array of 0/1. */
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

export interface AttributeValue {
  i?: number;
  f?: number;
  s?: string;
  ints?: number[];
  floats?: number[];
  t?: TensorInit;
}

export interface NodeInit {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Operator set domain; '' (default) is the standard ONNX domain. */
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface GraphInit {
  name: string;
  nodes: NodeInit[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: TensorInit[];
}

export interface ModelInit {
  graph: GraphInit;
  /** Default opset of the standard domain (default 17, supported by every current onnxruntime). */
  opset?: number;
  /** Extra operator sets, e.g. `{ 'com.microsoft': 1 }` for contrib ops. */
  extraOpsets?: Record<string, number>;
  producer?: string;
  docString?: string;
  /** `metadata_props`: read back through onnxruntime's model metadata. */
  metadata?: Record<string, string>;
}

// TensorProto.DataType
const DATA_TYPE: Record<ElemType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };
// AttributeProto.AttributeType
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;
const IR_VERSION = 8;

/** Protobuf wire-format builder: fields are appended in call order. */
class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private varint(value: bigint): void {
    // int64 fields use two's complement, so negatives take 10 bytes.
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wireType: 0 | 2 | 5): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(BigInt(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated int64 (proto2 `[packed]` is accepted by every protobuf parser for repeated scalars). */
  packedInts(field: number, values: number[]): this {
    const inner = new Writer();
    for (const v of values) inner.varint(BigInt(v));
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: number[]): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

function tensorBytes(t: TensorInit): Uint8Array {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw new Error(`onnx-writer: initializer "${t.name}" has ${t.data.length} values but dims [${t.dims.join(', ')}] need ${count}`);
  }
  const expected = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array, bool: Uint8Array }[t.type];
  if (!(t.data instanceof expected)) {
    throw new Error(`onnx-writer: initializer "${t.name}" of type ${t.type} needs a ${expected.name}`);
  }
  // raw_data must be little-endian; every platform Node runs on is, so the typed array's bytes are it.
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

// TensorProto: dims=1, data_type=2, name=8, raw_data=9
function writeTensor(w: Writer, t: TensorInit): void {
  if (t.dims.length > 0) w.packedInts(1, t.dims);
  w.int(2, DATA_TYPE[t.type]).string(8, t.name).bytes(9, tensorBytes(t));
}

// ValueInfoProto: name=1, type=2 → TypeProto.tensor_type=1 → {elem_type=1, shape=2 → dim=1 → {dim_value=1, dim_param=2}}
function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name).message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, DATA_TYPE[v.type]).message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

// AttributeProto: name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, type=20
function writeAttribute(w: Writer, name: string, a: AttributeValue): void {
  w.string(1, name);
  if (a.f !== undefined) w.float(2, a.f).int(20, ATTR.FLOAT);
  else if (a.i !== undefined) w.int(3, a.i).int(20, ATTR.INT);
  else if (a.s !== undefined) w.string(4, a.s).int(20, ATTR.STRING);
  else if (a.t !== undefined) w.message(5, (t) => writeTensor(t, a.t as TensorInit)).int(20, ATTR.TENSOR);
  else if (a.floats !== undefined) w.packedFloats(7, a.floats).int(20, ATTR.FLOATS);
  else if (a.ints !== undefined) w.packedInts(8, a.ints).int(20, ATTR.INTS);
  else throw new Error(`onnx-writer: attribute "${name}" has no value`);
}

// NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7
function writeNode(w: Writer, n: NodeInit, index: number): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name ?? `${n.op}_${index}`).string(4, n.op);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, value));
  if (n.domain) w.string(7, n.domain);
}

// GraphProto: node=1, name=2, initializer=5, input=11, output=12
function writeGraph(w: Writer, g: GraphInit): void {
  g.nodes.forEach((n, i) => w.message(1, (node) => writeNode(node, n, i)));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (tensor) => writeTensor(tensor, t));
  for (const v of g.inputs) w.message(11, (vi) => writeValueInfo(vi, v));
  for (const v of g.outputs) w.message(12, (vi) => writeValueInfo(vi, v));
}

/** Serialise a model to the bytes of a `.onnx` file. */
export function encodeModel(model: ModelInit): Uint8Array {
  const w = new Writer();
  // ModelProto: ir_version=1, producer_name=2, doc_string=6, graph=7, opset_import=8 → {domain=1, version=2}, metadata_props=14
  w.int(1, IR_VERSION).string(2, model.producer ?? 'lsml onnx-writer');
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph));
  w.message(8, (o) => o.string(1, '').int(2, model.opset ?? 17));
  for (const [domain, version] of Object.entries(model.extraOpsets ?? {})) w.message(8, (o) => o.string(1, domain).int(2, version));
  for (const [key, value] of Object.entries(model.metadata ?? {})) w.message(14, (e) => e.string(1, key).string(2, value));
  return w.finish();
}
