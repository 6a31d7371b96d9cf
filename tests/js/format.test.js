// Numbers as the page writes them (static/js/ui/format.js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { formatExact, formatNumber } from "../../static/js/ui/format.js";

test("formatNumber: four significant figures in the middle range", () => {
  assert.equal(formatNumber(0.0123456), "0.01235");
  assert.equal(formatNumber(123.456), "123.5");
  assert.equal(formatNumber(-2.5), "-2.5");
  assert.equal(formatNumber(0), "0");
});

test("formatNumber: scientific, three figures, below 1e-3 and from 1e6", () => {
  assert.equal(formatNumber(0.000012345), "1.23e-5");
  assert.equal(formatNumber(-0.0005), "-5e-4");
  assert.equal(formatNumber(1234567), "1.23e6");
  assert.equal(formatNumber(1e-300), "1e-300");
});

test("formatNumber: a missing value is a dash; a non-finite one says what it is", () => {
  assert.equal(formatNumber(null), "—");
  assert.equal(formatNumber(undefined), "—");
  assert.equal(formatNumber(Infinity), "Infinity");
  assert.equal(formatNumber(Number.NaN), "NaN");
});

test("formatExact: values as Python would have them typed back", () => {
  assert.equal(formatExact(null), "None");
  assert.equal(formatExact(true), "True");
  assert.equal(formatExact(false), "False");
  assert.equal(formatExact([0.9, 0.999]), "0.9, 0.999");
  assert.equal(formatExact(1e-8), "1e-8");
});
