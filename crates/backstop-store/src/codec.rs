//! Lossless compression of one telemetry series chunk: `(time ms, value)`
//! samples of one point, in time order.
//!
//! Layout (all integers little-endian bit order within bytes):
//!
//! ```text
//! u8      format version (1)
//! u8      value encoding: 0 = scaled decimal integers, 1 = XOR of f64 bits
//! u8      decimals d (scaled encoding: value = k / 10^d), else 0
//! varint  n, number of samples (≥ 1)
//! zvarint t0
//! zvarint t1 - t0                        (when n ≥ 2)
//! blocks  n-2 delta-of-deltas of time    (bit-packed, see below)
//! values  scaled: zvarint k0, then blocks of the n-1 deltas of k
//!         xor:    u64 bits of v0, then a Gorilla XOR bit stream
//! ```
//!
//! A *block* holds up to 128 zigzag-encoded integers packed at the width of
//! the widest one: one byte with the width (0..=64), then the bits. Regular
//! sampling makes every time delta-of-delta zero (width 0: one byte per 128
//! samples); register values from a pack (mV, 0.1 °C, 0.1 A) are scaled
//! decimals whose deltas need a few bits each.
//!
//! Values are stored exactly: the scaled encoding is only chosen when every
//! value decodes back to the identical `f64`; otherwise the XOR encoding
//! stores the raw bits. Decoding never trusts the input: every length and
//! width is checked, and a damaged chunk yields an error, not a panic.

/// One telemetry sample.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    /// Time, ms since the Unix epoch.
    pub t_ms: i64,
    /// Value in the point's unit.
    pub value: f64,
}

/// Why a chunk could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("telemetry chunk is damaged: {0}")]
pub struct DecodeError(pub &'static str);

const VERSION: u8 = 1;
const ENC_SCALED: u8 = 0;
const ENC_XOR: u8 = 1;
const BLOCK: usize = 128;
/// Most samples a chunk may claim (bounds allocation on damaged input).
pub const MAX_CHUNK_SAMPLES: usize = 1 << 20;
const POW10: [f64; 10] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
/// Largest magnitude of a scaled integer (exactly representable in f64).
const MAX_SCALED: f64 = 9_007_199_254_740_992.0; // 2^53

#[inline]
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[inline]
fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Bit writer, least significant bit first.
struct Bits<'a> {
    out: &'a mut Vec<u8>,
    acc: u128,
    n: u32,
}

impl<'a> Bits<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Bits { out, acc: 0, n: 0 }
    }

    #[inline]
    fn put(&mut self, v: u64, width: u32) {
        if width == 0 {
            return;
        }
        let v = if width == 64 { v } else { v & ((1u64 << width) - 1) };
        self.acc |= u128::from(v) << self.n;
        self.n += width;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn finish(mut self) {
        if self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.n = 0;
        }
    }
}

/// Reader over a byte slice with bounds checks.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self.buf.get(self.pos).ok_or(DecodeError("it ends early"))?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError("a number is too long"))
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(len).ok_or(DecodeError("a length overflows"))?;
        let s = self.buf.get(self.pos..end).ok_or(DecodeError("it ends early"))?;
        self.pos = end;
        Ok(s)
    }
}

/// Bit reader, least significant bit first.
struct BitReader<'a> {
    buf: &'a [u8],
    bit: usize,
}

impl BitReader<'_> {
    #[inline]
    fn get(&mut self, width: u32) -> Result<u64, DecodeError> {
        if width == 0 {
            return Ok(0);
        }
        let end = self.bit.checked_add(width as usize).ok_or(DecodeError("a length overflows"))?;
        if end > self.buf.len() * 8 {
            return Err(DecodeError("it ends early"));
        }
        let mut v: u64 = 0;
        let mut got = 0u32;
        while got < width {
            let byte = self.buf[self.bit / 8];
            let off = (self.bit % 8) as u32;
            let take = (8 - off).min(width - got);
            let bits = (u64::from(byte) >> off) & ((1u64 << take) - 1);
            v |= bits << got;
            got += take;
            self.bit += take as usize;
        }
        Ok(v)
    }

    fn bytes_used(&self) -> usize {
        self.bit.div_ceil(8)
    }
}

/// Packs `values` (zigzag-encoded) in blocks.
fn put_blocks(out: &mut Vec<u8>, values: &[u64]) {
    for block in values.chunks(BLOCK) {
        let max = block.iter().fold(0u64, |a, &b| a | b);
        let width = 64 - max.leading_zeros();
        out.push(width as u8);
        let mut bits = Bits::new(out);
        for &v in block {
            bits.put(v, width);
        }
        bits.finish();
    }
}

/// Unpacks `count` block-packed values, calling `f` with each.
fn get_blocks(r: &mut Reader<'_>, count: usize, mut f: impl FnMut(u64)) -> Result<(), DecodeError> {
    let mut left = count;
    while left > 0 {
        let k = left.min(BLOCK);
        let width = u32::from(r.byte()?);
        if width > 64 {
            return Err(DecodeError("a block has an impossible bit width"));
        }
        let len = (k * width as usize).div_ceil(8);
        let mut br = BitReader { buf: r.take(len)?, bit: 0 };
        for _ in 0..k {
            f(br.get(width)?);
        }
        left -= k;
    }
    Ok(())
}

/// The smallest number of decimals `d` for which every value is exactly
/// `k / 10^d` with an integer `|k| ≤ 2^53`.
fn decimals(samples: &[Sample], hint: u8) -> Option<u8> {
    let fits = |d: usize| {
        let p = POW10[d];
        samples.iter().all(|s| {
            let k = (s.value * p).round();
            // Compare with exactly what `decode` computes (this also
            // sends -0.0 to the XOR encoding, which keeps its sign).
            k.abs() <= MAX_SCALED && ((k as i64) as f64 / p).to_bits() == s.value.to_bits()
        })
    };
    let hint = usize::from(hint).min(POW10.len() - 1);
    // Try the previous chunk's decimals first: usually right.
    if fits(hint) && (hint == 0 || !fits(hint - 1)) {
        return Some(hint as u8);
    }
    (0..POW10.len()).find(|&d| fits(d)).map(|d| d as u8)
}

/// Encodes `samples` (time-ordered, non-empty) into `out`. `hint` is the
/// decimals of the previous chunk of the same point (0 if none). Returns
/// the decimals used (for the next hint).
pub fn encode(samples: &[Sample], hint: u8, out: &mut Vec<u8>) -> u8 {
    out.clear();
    out.push(VERSION);
    let d = decimals(samples, hint);
    out.push(if d.is_some() { ENC_SCALED } else { ENC_XOR });
    out.push(d.unwrap_or(0));
    put_varint(out, samples.len() as u64);
    let Some(first) = samples.first() else { return 0 };
    put_varint(out, zigzag(first.t_ms));
    if samples.len() >= 2 {
        let d1 = samples[1].t_ms.wrapping_sub(samples[0].t_ms);
        put_varint(out, zigzag(d1));
        let mut prev = d1;
        let dods: Vec<u64> = samples
            .windows(2)
            .skip(1)
            .map(|w| {
                let delta = w[1].t_ms.wrapping_sub(w[0].t_ms);
                let dod = delta.wrapping_sub(prev);
                prev = delta;
                zigzag(dod)
            })
            .collect();
        put_blocks(out, &dods);
    }
    match d {
        Some(d) => {
            let p = POW10[usize::from(d)];
            let mut prev = (first.value * p).round() as i64;
            put_varint(out, zigzag(prev));
            let deltas: Vec<u64> = samples[1..]
                .iter()
                .map(|s| {
                    let k = (s.value * p).round() as i64;
                    let delta = k.wrapping_sub(prev);
                    prev = k;
                    zigzag(delta)
                })
                .collect();
            put_blocks(out, &deltas);
        }
        None => {
            let mut prev = first.value.to_bits();
            out.extend_from_slice(&prev.to_le_bytes());
            let mut bits = Bits::new(out);
            let (mut lead, mut trail) = (u32::MAX, 0u32);
            for s in &samples[1..] {
                let cur = s.value.to_bits();
                let x = cur ^ prev;
                prev = cur;
                if x == 0 {
                    bits.put(0, 1);
                    continue;
                }
                bits.put(1, 1);
                let l = x.leading_zeros().min(31);
                let t = x.trailing_zeros();
                if lead != u32::MAX && l >= lead && t >= trail {
                    bits.put(0, 1);
                    bits.put(x >> trail, 64 - lead - trail);
                } else {
                    bits.put(1, 1);
                    bits.put(u64::from(l), 5);
                    let len = 64 - l - t;
                    bits.put(u64::from(len - 1), 6);
                    bits.put(x >> t, len);
                    lead = l;
                    trail = t;
                }
            }
            bits.finish();
        }
    }
    d.unwrap_or(hint)
}

/// Decodes a chunk, appending its samples to `out`.
pub fn decode(chunk: &[u8], out: &mut Vec<Sample>) -> Result<(), DecodeError> {
    let mut r = Reader { buf: chunk, pos: 0 };
    if r.byte()? != VERSION {
        return Err(DecodeError("unknown chunk format version"));
    }
    let enc = r.byte()?;
    let d = r.byte()?;
    let n = usize::try_from(r.varint()?).map_err(|_| DecodeError("too many samples"))?;
    if n == 0 || n > MAX_CHUNK_SAMPLES {
        return Err(DecodeError("impossible sample count"));
    }
    let start = out.len();
    out.reserve(n.min(1 << 16));
    let mut t = unzigzag(r.varint()?);
    out.push(Sample { t_ms: t, value: 0.0 });
    if n >= 2 {
        let mut delta = unzigzag(r.varint()?);
        t = t.wrapping_add(delta);
        out.push(Sample { t_ms: t, value: 0.0 });
        get_blocks(&mut r, n - 2, |z| {
            delta = delta.wrapping_add(unzigzag(z));
            t = t.wrapping_add(delta);
            out.push(Sample { t_ms: t, value: 0.0 });
        })?;
    }
    let samples = &mut out[start..];
    match enc {
        ENC_SCALED => {
            let p = *POW10.get(usize::from(d)).ok_or(DecodeError("impossible number of decimals"))?;
            let mut k = unzigzag(r.varint()?);
            samples[0].value = k as f64 / p;
            let mut i = 1;
            get_blocks(&mut r, n - 1, |z| {
                k = k.wrapping_add(unzigzag(z));
                samples[i].value = k as f64 / p;
                i += 1;
            })?;
        }
        ENC_XOR => {
            let raw = r.take(8)?;
            let mut prev = u64::from_le_bytes([raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7]]);
            samples[0].value = f64::from_bits(prev);
            let mut br = BitReader { buf: &r.buf[r.pos..], bit: 0 };
            let (mut lead, mut trail) = (u32::MAX, 0u32);
            for s in samples[1..].iter_mut() {
                if br.get(1)? == 1 {
                    let x = if br.get(1)? == 0 {
                        if lead == u32::MAX {
                            return Err(DecodeError("a value reuses a window that was never set"));
                        }
                        br.get(64 - lead - trail)? << trail
                    } else {
                        let l = br.get(5)? as u32;
                        let len = br.get(6)? as u32 + 1;
                        if l + len > 64 {
                            return Err(DecodeError("a value window is out of range"));
                        }
                        let t = 64 - l - len;
                        lead = l;
                        trail = t;
                        br.get(len)? << t
                    };
                    prev ^= x;
                }
                s.value = f64::from_bits(prev);
            }
            r.pos += br.bytes_used();
        }
        _ => return Err(DecodeError("unknown value encoding")),
    }
    if r.pos != chunk.len() {
        return Err(DecodeError("it has trailing bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn roundtrip(samples: &[Sample]) -> usize {
        let mut buf = Vec::new();
        encode(samples, 0, &mut buf);
        let mut out = Vec::new();
        decode(&buf, &mut out).unwrap();
        assert_eq!(out.len(), samples.len());
        for (a, b) in out.iter().zip(samples) {
            assert_eq!(a.t_ms, b.t_ms);
            assert_eq!(a.value.to_bits(), b.value.to_bits());
        }
        buf.len()
    }

    #[test]
    fn regular_millivolts_compress_to_about_a_byte() {
        let samples: Vec<Sample> =
            (0..3600).map(|i| Sample { t_ms: 1_700_000_000_000 + i * 1000, value: (3300 + (i % 7) - 3) as f64 / 1000.0 }).collect();
        let len = roundtrip(&samples);
        assert!(len < 3600 * 3 / 2, "{len} bytes");
    }

    #[test]
    fn arbitrary_floats_use_xor_and_stay_exact() {
        let samples: Vec<Sample> =
            (0..500).map(|i| Sample { t_ms: i * 997, value: (i as f64 * 0.1).sin() * std::f64::consts::PI }).collect();
        roundtrip(&samples);
        roundtrip(&[Sample { t_ms: -5, value: -0.0 }, Sample { t_ms: i64::MAX, value: f64::MAX }]);
        roundtrip(&[Sample { t_ms: i64::MIN, value: f64::NAN }]);
    }

    proptest! {
        #[test]
        fn any_series_round_trips(
            start in any::<i64>(),
            steps in prop::collection::vec((0i64..5000, any::<f64>()), 1..400),
        ) {
            let mut t = start;
            let samples: Vec<Sample> = steps.iter().map(|&(dt, v)| { t = t.wrapping_add(dt); Sample { t_ms: t, value: v } }).collect();
            roundtrip(&samples);
        }

        #[test]
        fn scaled_series_round_trip(
            steps in prop::collection::vec((990i64..1010, -50i64..50), 1..600),
            d in 0u32..4,
        ) {
            let mut t = 0i64;
            let mut k = 1000i64;
            let p = 10f64.powi(d as i32);
            let samples: Vec<Sample> = steps.iter().map(|&(dt, dk)| { t += dt; k += dk; Sample { t_ms: t, value: k as f64 / p } }).collect();
            roundtrip(&samples);
        }

        #[test]
        fn damaged_chunks_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let mut out = Vec::new();
            let _ = decode(&bytes, &mut out);
        }

        #[test]
        fn flipped_bytes_of_a_real_chunk_never_panic(pos in any::<prop::sample::Index>(), xor in 1u8..=255) {
            let samples: Vec<Sample> = (0..300).map(|i| Sample { t_ms: i * 1000, value: (i % 13) as f64 * 0.1 }).collect();
            let mut buf = Vec::new();
            encode(&samples, 0, &mut buf);
            let i = pos.index(buf.len());
            buf[i] ^= xor;
            let mut out = Vec::new();
            let _ = decode(&buf, &mut out);
        }
    }
}
