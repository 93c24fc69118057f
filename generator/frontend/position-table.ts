// Where the parts of parsed values are. The parser records one table of integers per file (an
// Int32Array: no object per value, nothing for the garbage collector to trace): for each value,
// in the order read, a record [start, end, next] (the offsets of its text, and the slot after the
// records of everything inside it), and before each object entry's value its key's [start, end].
// Checks say where a value is as (slot of its container, key or index): two numbers, which cost
// nothing until an error needs the span; the model builder copies the spans of names and type
// references onto the model's nodes.

import type { Span } from "../model/source.ts";

/** Which part of an object's entry: its key or its value. */
export const enum Part {
  VALUE,
  KEY,
}

/** The slot a value's record has when it has none (a value not parsed from text). */
export const NO_SLOT = -1;

export class PositionTable {
  private data = new Int32Array(1024);
  /** Slots used; the next record's slot. */
  length = 0;

  /** `text`: the file's text, whose offsets the records hold (and object keys are read from). */
  constructor(readonly text: string) {}

  private reserve(n: number): number {
    const slot = this.length;
    if (slot + n > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.length = slot + n;
    return slot;
  }

  /** Starts the record of an object or array at `start`; close() ends it. */
  open(start: number): number {
    const slot = this.reserve(3);
    this.data[slot] = start;
    return slot;
  }

  /** Ends the record at `slot` (its value's text ends at `end`), after everything inside it. */
  close(slot: number, end: number): void {
    this.data[slot + 1] = end;
    this.data[slot + 2] = this.length;
  }

  /** The record of a string or boolean. */
  scalar(start: number, end: number): void {
    const slot = this.reserve(3);
    this.data[slot] = start;
    this.data[slot + 1] = end;
    this.data[slot + 2] = slot + 3;
  }

  /** An object entry's key, recorded before its value. */
  key(start: number, end: number): void {
    const slot = this.reserve(2);
    this.data[slot] = start;
    this.data[slot + 1] = end;
  }

  /** The span of the value (or key) whose record is at `slot`; null for NO_SLOT. */
  span(slot: number): Span | null {
    return slot < 0 ? null : { start: this.data[slot]!, end: this.data[slot + 1]! };
  }

  // Walking a container's entries or elements, in order (NO_SLOT stays NO_SLOT):

  /** The value slot of an object's first entry (its key's record is 2 slots before). */
  firstEntry(objectSlot: number): number {
    return objectSlot < 0 ? NO_SLOT : objectSlot + 5;
  }

  /** The value slot of an array's first element. */
  firstElement(arraySlot: number): number {
    return arraySlot < 0 ? NO_SLOT : arraySlot + 3;
  }

  /** The value slot of the next entry of an object after the one whose value is at `slot`. */
  nextEntry(slot: number): number {
    return slot < 0 ? NO_SLOT : this.data[slot + 2]! + 2;
  }

  nextElement(slot: number): number {
    return slot < 0 ? NO_SLOT : this.data[slot + 2]!;
  }

  /** Whether `slot` is past the last entry or element of the container at `containerSlot`. */
  ended(containerSlot: number, slot: number, isObject: boolean): boolean {
    return slot - (isObject ? 2 : 0) >= this.data[containerSlot + 2]!;
  }

  /** The key of the entry whose value's record is at `slot`, as its string reads. */
  keyText(slot: number): string {
    const raw = this.text.slice(this.data[slot - 2]! + 1, this.data[slot - 1]! - 1);
    return raw.includes("\\") ? raw.replaceAll("\\\\", "\\") : raw;
  }

  /** Whether the key of the entry whose value's record is at `slot` is `key`. */
  private keyIs(slot: number, key: string): boolean {
    const start = this.data[slot - 2]! + 1;
    const end = this.data[slot - 1]! - 1;
    const text = this.text;
    // Most keys have no escapes: compared in place.
    let i = start;
    for (; i < end; i++) if (text.charCodeAt(i) === 92) break;
    if (i === end) {
      if (end - start !== key.length) return false;
      for (let k = 0; k < key.length; k++)
        if (text.charCodeAt(start + k) !== key.charCodeAt(k)) return false;
      return true;
    }
    return text.slice(start, end).replaceAll("\\\\", "\\") === key;
  }

  /**
   * The value slot of `key` in the container at `containerSlot`: an object's key, an array's
   * index, or null for the container itself. NO_SLOT when there is none (or no container).
   */
  slotOf(containerSlot: number, key: string | number | null): number {
    if (containerSlot < 0 || key === null) return containerSlot;
    if (typeof key === "number") {
      let slot = this.firstElement(containerSlot);
      for (let i = 0; i < key; i++) slot = this.nextElement(slot);
      return this.ended(containerSlot, slot, false) ? NO_SLOT : slot;
    }
    for (
      let slot = this.firstEntry(containerSlot);
      !this.ended(containerSlot, slot, true);
      slot = this.nextEntry(slot)
    )
      if (this.keyIs(slot, key)) return slot;
    return NO_SLOT;
  }

  /** The span of a container's entry or element: its value, or with Part.KEY its key. */
  spanOf(containerSlot: number, key: string | number | null, part: Part = Part.VALUE): Span | null {
    const slot = this.slotOf(containerSlot, key);
    return this.span(slot < 0 || part === Part.VALUE ? slot : slot - 2);
  }
}
