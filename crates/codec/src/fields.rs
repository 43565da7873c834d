//! Little-endian field writer and bounds-checked reader for the file and record formats of
//! the storage engines. The reader never panics: every method fails with the offset where
//! data ran out or was malformed.

use crate::varint::{put_uvarint, put_varint, uvarint, varint};

/// Appends fields to a buffer.
#[derive(Debug, Default)]
pub struct Writer {
    /// The bytes written.
    pub buf: Vec<u8>,
}

impl Writer {
    /// A writer whose buffer has room for `n` bytes.
    pub fn with_capacity(n: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(n),
        }
    }
    /// Appends a byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    /// Appends a little-endian `u32`.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Appends a little-endian `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Appends a little-endian `i64`.
    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Appends an unsigned LEB128 varint.
    pub fn uvarint(&mut self, v: u64) {
        put_uvarint(&mut self.buf, v);
    }
    /// Appends a zig-zag varint.
    pub fn varint(&mut self, v: i64) {
        put_varint(&mut self.buf, v);
    }
    /// Appends bytes as they are.
    pub fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    /// Bytes as uvarint length + bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.uvarint(b.len() as u64);
        self.buf.extend_from_slice(b);
    }
    /// A string as uvarint length + UTF-8 bytes.
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// Reads fields from a slice. Errors are the offset of the bad field.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `buf` from its start.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    /// A reader of `buf` starting at `pos`.
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        Reader {
            buf,
            pos: pos.min(buf.len()),
        }
    }
    /// The current offset.
    pub fn pos(&self) -> usize {
        self.pos
    }
    /// Moves to `pos` (at most the end).
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.buf.len());
    }
    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }
    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], usize> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(self.pos)?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], usize> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    /// A byte.
    pub fn u8(&mut self) -> Result<u8, usize> {
        Ok(self.array::<1>()?[0])
    }
    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, usize> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    /// A little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64, usize> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    /// A little-endian `i64`.
    pub fn i64(&mut self) -> Result<i64, usize> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    /// An unsigned LEB128 varint.
    pub fn uvarint(&mut self) -> Result<u64, usize> {
        let rest = self.buf.get(self.pos..).ok_or(self.pos)?;
        let (v, n) = uvarint(rest).map_err(|_| self.pos)?;
        self.pos += n;
        Ok(v)
    }
    /// A zig-zag varint.
    pub fn varint(&mut self) -> Result<i64, usize> {
        let rest = self.buf.get(self.pos..).ok_or(self.pos)?;
        let (v, n) = varint(rest).map_err(|_| self.pos)?;
        self.pos += n;
        Ok(v)
    }
    /// A uvarint that must fit in `u32`.
    pub fn u32v(&mut self) -> Result<u32, usize> {
        let at = self.pos;
        u32::try_from(self.uvarint()?).map_err(|_| at)
    }
    /// A count of items that each take at least one byte: bounded by what is left, so a
    /// hostile count cannot make a caller allocate more than the input size.
    pub fn count(&mut self) -> Result<usize, usize> {
        let at = self.pos;
        let n = self.uvarint()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.remaining())
            .ok_or(at)
    }
    /// A uvarint length and that many bytes.
    pub fn bytes(&mut self) -> Result<&'a [u8], usize> {
        let at = self.pos;
        let n = usize::try_from(self.uvarint()?).map_err(|_| at)?;
        self.take(n)
    }
    /// A uvarint length and that many bytes of UTF-8.
    pub fn str(&mut self) -> Result<&'a str, usize> {
        let at = self.pos;
        std::str::from_utf8(self.bytes()?).map_err(|_| at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_truncation_reports_the_offset() {
        let mut w = Writer::default();
        w.u8(7);
        w.u32(0xdead_beef);
        w.u64(u64::MAX);
        w.uvarint(300);
        w.varint(-5);
        w.str("héllo");
        let mut r = Reader::new(&w.buf);
        assert_eq!(r.u8(), Ok(7));
        assert_eq!(r.u32(), Ok(0xdead_beef));
        assert_eq!(r.u64(), Ok(u64::MAX));
        assert_eq!(r.uvarint(), Ok(300));
        assert_eq!(r.varint(), Ok(-5));
        assert_eq!(r.str(), Ok("héllo"));
        assert!(r.is_empty());
        assert_eq!(r.u8(), Err(w.buf.len()));
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(r.count(), Err(0), "count larger than the input");
    }
}
