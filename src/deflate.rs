//! A small raw-DEFLATE encoder (RFC 1951) for share links: LZ77 with hash chains and
//! one step of lazy matching, written as a single block with a dynamic Huffman code
//! (BTYPE 10), or the fixed one (BTYPE 01) when that is shorter.
//!
//! Why not `miniz_oxide::deflate`: its compressor is ~18 KB of the browser build, for a
//! link payload of a few hundred bytes of JSON that one block holds. Any inflater reads this output; links are decoded with
//! `miniz_oxide::inflate`, which also reads links written by earlier versions.
//!
//! Deterministic: the same input always gives the same bytes.

/// Sliding window of DEFLATE (distance limit).
const WINDOW: usize = 32 * 1024;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// How many earlier positions with the same 3-byte hash are tried per position.
const MAX_CHAIN: usize = 128;
const HASH_BITS: u32 = 12;
const NONE: u32 = u32::MAX;

/// Length symbols 257..=285: base length and extra bits.
const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Distance symbols 0..=29: base distance and extra bits.
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// Bits written least significant first, as DEFLATE packs them.
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// Symbol `sym` of a Huffman code: sent most significant bit first.
    fn code(&mut self, c: &Code, sym: usize) {
        let len = c.lens[sym] as u32;
        self.put(c.codes[sym].reverse_bits() >> (32 - len), len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A canonical Huffman code (RFC 1951 §3.2.2): bit lengths and the codes they give.
struct Code {
    lens: Vec<u8>,
    codes: Vec<u32>,
}

impl Code {
    fn from_lens(lens: Vec<u8>) -> Code {
        let mut count = [0u32; 16];
        for &l in &lens {
            count[l as usize] += 1;
        }
        count[0] = 0;
        let mut next = [0u32; 16];
        let mut code = 0;
        for b in 1..16 {
            code = (code + count[b - 1]) << 1;
            next[b] = code;
        }
        let codes = lens
            .iter()
            .map(|&l| {
                let c = next[l as usize];
                next[l as usize] += 1;
                c
            })
            .collect();
        Code { lens, codes }
    }

    /// Bits to send every symbol `freq` times.
    fn cost(&self, freq: &[u32]) -> u64 {
        freq.iter()
            .zip(&self.lens)
            .map(|(&f, &l)| f as u64 * l as u64)
            .sum()
    }
}

/// Huffman code lengths for these frequencies, none longer than `limit`. At least two
/// symbols get a code, so that every decoder accepts the tree.
fn huffman_lens(freq: &[u32], limit: u8) -> Vec<u8> {
    let mut f: Vec<u32> = freq.to_vec();
    for i in 0..f.len() {
        if f.iter().filter(|&&x| x > 0).count() >= 2 {
            break;
        }
        if f[i] == 0 {
            f[i] = 1;
        }
    }
    loop {
        // Nodes: (weight, parent); the leaves first, then merged nodes.
        let mut weight: Vec<u64> = f.iter().map(|&x| x as u64).collect();
        let mut parent: Vec<usize> = vec![usize::MAX; f.len()];
        let mut live: Vec<usize> = (0..f.len()).filter(|&i| f[i] > 0).collect();
        while live.len() > 1 {
            // The two lightest live nodes; ties go to the lower index (deterministic).
            let a = take_lightest(&mut live, &weight);
            let b = take_lightest(&mut live, &weight);
            let n = weight.len();
            weight.push(weight[a] + weight[b]);
            parent.push(usize::MAX);
            parent[a] = n;
            parent[b] = n;
            live.push(n);
        }
        let lens: Vec<u8> = (0..f.len())
            .map(|i| {
                if f[i] == 0 {
                    return 0;
                }
                let (mut d, mut j) = (0u8, i);
                while parent[j] != usize::MAX {
                    d += 1;
                    j = parent[j];
                }
                d
            })
            .collect();
        if lens.iter().all(|&l| l <= limit) {
            return lens;
        }
        // Too deep: flatten the frequencies and build again.
        for x in f.iter_mut().filter(|x| **x > 0) {
            *x = x.div_ceil(2);
        }
    }
}

/// Remove the live node of least `(weight, index)` from `live` (in any order) and return it.
/// A linear scan, not a sort: the keys are unique, so the pick is the same, and the wasm build
/// carries no slice-sort code for it (~5 KB).
fn take_lightest(live: &mut Vec<usize>, weight: &[u64]) -> usize {
    let mut best = 0;
    for k in 1..live.len() {
        if (weight[live[k]], live[k]) < (weight[live[best]], live[best]) {
            best = k;
        }
    }
    live.swap_remove(best)
}

/// The fixed literal/length and distance codes of RFC 1951 §3.2.6.
fn fixed_codes() -> (Code, Code) {
    let lit = (0..288)
        .map(|s| match s {
            0..=143 => 8,
            144..=255 => 9,
            256..=279 => 7,
            _ => 8,
        })
        .collect();
    (Code::from_lens(lit), Code::from_lens(vec![5; 30]))
}

/// Order in which the code-length code's lengths are sent.
const CL_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Run-length encode code lengths with symbols 0..=18: (symbol, extra bits, extra value).
fn rle(lens: &[u8]) -> Vec<(usize, u32, u32)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lens.len() {
        let l = lens[i];
        let run = lens[i..].iter().take_while(|&&x| x == l).count();
        if l == 0 && run >= 11 {
            let n = run.min(138);
            out.push((18, 7, (n - 11) as u32));
            i += n;
        } else if l == 0 && run >= 3 {
            out.push((17, 3, (run - 3) as u32));
            i += run;
        } else if l != 0 && run >= 4 {
            out.push((l as usize, 0, 0));
            let n = (run - 1).min(6);
            out.push((16, 2, (n - 3) as u32));
            i += 1 + n;
        } else {
            out.push((l as usize, 0, 0));
            i += 1;
        }
    }
    out
}

/// The index of the last table entry whose base is at most `v`.
fn bucket(base: &[u16], v: usize) -> usize {
    base.iter().rposition(|&b| b as usize <= v).unwrap_or(0)
}

fn hash(d: &[u8], i: usize) -> usize {
    let v = (d[i] as u32) << 16 | (d[i + 1] as u32) << 8 | d[i + 2] as u32;
    (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
}

/// Longest earlier match for position `i`: (length, distance), length 0 if none.
fn longest(d: &[u8], i: usize, head: &[u32], prev: &[u32]) -> (usize, usize) {
    if i + MIN_MATCH > d.len() {
        return (0, 0);
    }
    let max = (d.len() - i).min(MAX_MATCH);
    let (mut best, mut dist) = (0, 0);
    let mut cand = head[hash(d, i)];
    let mut tries = MAX_CHAIN;
    while cand != NONE && tries > 0 {
        let c = cand as usize;
        if i - c > WINDOW {
            break;
        }
        let n = d[c..]
            .iter()
            .zip(&d[i..i + max])
            .take_while(|(a, b)| a == b)
            .count();
        if n > best {
            best = n;
            dist = i - c;
            if n == max {
                break;
            }
        }
        cand = prev[c];
        tries -= 1;
    }
    if best >= MIN_MATCH {
        (best, dist)
    } else {
        (0, 0)
    }
}

/// Record position `i` in the hash chains.
fn insert(d: &[u8], i: usize, head: &mut [u32], prev: &mut [u32]) {
    if i + MIN_MATCH <= d.len() {
        let h = hash(d, i);
        prev[i] = head[h];
        head[h] = i as u32;
    }
}

/// One LZ77 token: a literal byte, or a match of `len` bytes `dist` bytes back.
#[derive(Clone, Copy)]
enum Token {
    Lit(u8),
    Match(usize, usize),
}

/// LZ77 with hash chains and one step of lazy matching.
fn tokens(data: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut head = vec![NONE; 1 << HASH_BITS];
    let mut prev = vec![NONE; data.len()];
    let mut i = 0;
    while i < data.len() {
        let (len, dist) = longest(data, i, &head, &prev);
        insert(data, i, &mut head, &mut prev);
        // A longer match one byte later wins over this one.
        let later = if len > 0 && len < MAX_MATCH {
            longest(data, i + 1, &head, &prev).0
        } else {
            0
        };
        if len == 0 || later > len {
            out.push(Token::Lit(data[i]));
            i += 1;
            continue;
        }
        out.push(Token::Match(len, dist));
        for j in i + 1..i + len {
            insert(data, j, &mut head, &mut prev);
        }
        i += len;
    }
    out
}

/// Compress `data` to a raw DEFLATE stream (no zlib header) of one block, with the
/// fixed or a dynamic Huffman code, whichever is shorter.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let toks = tokens(data);
    let mut lit_freq = vec![0u32; 286];
    let mut dist_freq = vec![0u32; 30];
    lit_freq[256] = 1;
    for t in &toks {
        match *t {
            Token::Lit(b) => lit_freq[b as usize] += 1,
            Token::Match(len, dist) => {
                lit_freq[257 + bucket(&LEN_BASE, len)] += 1;
                dist_freq[bucket(&DIST_BASE, dist)] += 1;
            }
        }
    }
    let lit = Code::from_lens(huffman_lens(&lit_freq, 15));
    let dist = Code::from_lens(huffman_lens(&dist_freq, 15));
    // The dynamic header: both length lists, run-length coded with a third code.
    let nlit = 257
        + lit.lens[257..]
            .iter()
            .rposition(|&l| l > 0)
            .map_or(0, |p| p + 1);
    let ndist = 1 + dist.lens.iter().rposition(|&l| l > 0).unwrap_or(0);
    let all: Vec<u8> = lit.lens[..nlit]
        .iter()
        .chain(&dist.lens[..ndist])
        .copied()
        .collect();
    let runs = rle(&all);
    let mut cl_freq = vec![0u32; 19];
    for &(sym, _, _) in &runs {
        cl_freq[sym] += 1;
    }
    let cl = Code::from_lens(huffman_lens(&cl_freq, 7));
    let ncl = 4.max(1 + CL_ORDER.iter().rposition(|&s| cl.lens[s] > 0).unwrap_or(0));
    let header = 14
        + 3 * ncl as u64
        + runs
            .iter()
            .map(|&(s, n, _)| (cl.lens[s] as u32 + n) as u64)
            .sum::<u64>();
    let (flit, fdist) = fixed_codes();
    let dynamic = header + lit.cost(&lit_freq) + dist.cost(&dist_freq)
        < flit.cost(&lit_freq) + fdist.cost(&dist_freq);

    let mut bits = Bits {
        out: Vec::with_capacity(data.len() / 2 + 64),
        acc: 0,
        n: 0,
    };
    // BFINAL = 1, then BTYPE: 10 dynamic, 01 fixed.
    let (lit, dist) = if dynamic {
        bits.put(0b101, 3);
        bits.put((nlit - 257) as u32, 5);
        bits.put((ndist - 1) as u32, 5);
        bits.put((ncl - 4) as u32, 4);
        for &s in &CL_ORDER[..ncl] {
            bits.put(cl.lens[s] as u32, 3);
        }
        for &(sym, n, v) in &runs {
            bits.code(&cl, sym);
            bits.put(v, n);
        }
        (lit, dist)
    } else {
        bits.put(0b011, 3);
        (flit, fdist)
    };
    for t in toks {
        match t {
            Token::Lit(b) => bits.code(&lit, b as usize),
            Token::Match(len, d) => {
                let l = bucket(&LEN_BASE, len);
                bits.code(&lit, 257 + l);
                bits.put((len - LEN_BASE[l] as usize) as u32, LEN_EXTRA[l] as u32);
                let ds = bucket(&DIST_BASE, d);
                bits.code(&dist, ds);
                bits.put((d - DIST_BASE[ds] as usize) as u32, DIST_EXTRA[ds] as u32);
            }
        }
    }
    bits.code(&lit, 256);
    bits.finish()
}

#[cfg(test)]
mod tests {
    use super::compress;
    use miniz_oxide::inflate::decompress_to_vec;

    fn round_trip(data: &[u8]) {
        let packed = compress(data);
        assert_eq!(
            decompress_to_vec(&packed).unwrap(),
            data,
            "{} bytes",
            data.len()
        );
    }

    #[test]
    fn edge_cases_round_trip() {
        round_trip(b"");
        round_trip(b"a");
        round_trip(b"ab");
        round_trip(b"abc");
        round_trip(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        round_trip(&[0u8; 1000]);
        round_trip(&(0..=255u8).collect::<Vec<_>>());
        // Matches longer than 258, and distances up to the window's end.
        let long: Vec<u8> = (0..70_000u32)
            .map(|i| (i % 251) as u8 ^ (i / 9000) as u8)
            .collect();
        round_trip(&long);
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// The exact output, pinned: a share link is this output in base64, so a change to the
    /// encoder gives every scenario a new link (old links still open: any inflater reads
    /// them) and must be deliberate.
    /// Each literal was written once from `compress` and reviewed with an independent
    /// inflater: Python's `zlib.decompress(bytes.fromhex(h), -15)` (raw DEFLATE) gives the
    /// input back, and the first byte's low three bits are BFINAL = 1 and the BTYPE named.
    /// If this fails after an intended encoder change, review the new bytes the same way.
    #[test]
    fn deterministic() {
        let cases: [(&[u8], u8, &str); 3] = [
            // Short: the fixed code (BTYPE 01) is the shorter one.
            (
                br#"{"s":{"version":1,"source":{"kind":"log"},"sink":{"kind":"append"}},"p":3}"#,
                0b01,
                concat!(
                    "ab562a56b2aa562a4b2d2acecccf53b232d4512ace2f2d4a4e05896667e6a528",
                    "5929e5e4a72bd502c533f3b29144130b0a52818c5aa04c819295712d00",
                ),
            ),
            // The default preset's link payload (`crashcourse link`): a dynamic code (BTYPE 10).
            (
                br#"{"s":{"engine":{"kind":"micro_batch"},"sink":{"kind":"append"},"source":{"kind":"log"},"version":1}}"#,
                0b10,
                concat!(
                    "4d8bb10e80200c05ffe5cd2eaefc8c416cb0415b02ea42f877e9c676b9cb3554",
                    "b80692c8424689e580c3cda1e8b6fb279ce80b2a4b9aaacf990658d0b78479bc",
                    "349affa85456815b7bff01",
                ),
            ),
            // Three faults: long matches and repeated distances.
            (
                br#"{"s":{"engine":{"commit_mode":"after","kind":"consumer"},"faults":[{"after":"sink_write","attempt":1,"batch":1,"downtime":1,"kind":"crash"},{"after":"sink_write","attempt":1,"batch":2,"downtime":1,"kind":"crash"},{"after":"read","attempt":1,"batch":3,"downtime":1,"kind":"crash"}],"sink":{"kind":"append"},"source":{"kind":"log"},"version":1,"workload":{"batch_size":3,"records":12}}}"#,
                0b10,
                concat!(
                    "8d904b0e83300c44efe2359bd21d57a92a94260622488c1c53a4a2dcbd26a252",
                    "1755c56ec69f37893748d06c80b1f711776529042f6d20a7164c27c850c1e8a3",
                    "536b29a625682557d09965125dbe6dc75403c9c7b15dd90bea8a11c1300b3497",
                    "0a1e46ec5094a3358a0f58cc87ca260d8a3c0faacf82188dfb8db8fe45dcabf2",
                    "86fd2047c3cc33aad08f275ad8e2576ba27eaf3f9193a758682bf1389166eb54",
                    "096c937f614965b4c44e0f77a973ce6f",
                ),
            ),
        ];
        for (data, btype, want) in cases {
            let packed = compress(data);
            assert_eq!(hex(&packed), want, "{}", String::from_utf8_lossy(data));
            assert_eq!(packed[0] & 0b111, 1 | (btype << 1), "BFINAL and BTYPE");
            assert_eq!(decompress_to_vec(&packed).unwrap(), data);
        }
    }
}
