/**
 * The values of the last few keys asked for, found by identity before a slower lookup (a
 * WeakMap's is ~130 instructions): a stream asks for the plans of the same two or three
 * detector lists at every push. Holds up to `size` keys and values alive: a bounded cost.
 */
export class Recent<K extends object, V> {
  private readonly keys: K[] = [];
  private readonly values: V[] = [];
  private next = 0;

  constructor(
    private readonly size: number,
    private readonly lookUp: (key: K) => V,
  ) {}

  get(key: K): V {
    const keys = this.keys;
    for (let k = 0; k < keys.length; k++) if (keys[k] === key) return this.values[k]!;
    const v = this.lookUp(key);
    keys[this.next] = key;
    this.values[this.next] = v;
    this.next = (this.next + 1) % this.size;
    return v;
  }
}
