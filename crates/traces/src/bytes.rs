//! Little-endian field writer and bounds-checked reader shared by the WAL record and segment
//! formats. The reader never panics: every method fails with the offset where data ran out
//! or was malformed.

use codec::varint::{put_uvarint, put_varint, uvarint, varint};

/// Appends fields to a buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(n),
        }
    }
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn uvarint(&mut self, v: u64) {
        put_uvarint(&mut self.buf, v);
    }
    pub(crate) fn varint(&mut self, v: i64) {
        put_varint(&mut self.buf, v);
    }
    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    /// Bytes as uvarint length + bytes.
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.uvarint(b.len() as u64);
        self.buf.extend_from_slice(b);
    }
    /// A string as uvarint length + UTF-8 bytes.
    pub(crate) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }
}

/// Reads fields from a slice. Errors are the offset of the bad field.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }
    /// Moves to `pos` (at most the end).
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.buf.len());
    }
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], usize> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(self.pos)?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], usize> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, usize> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32, usize> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, usize> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub(crate) fn uvarint(&mut self) -> Result<u64, usize> {
        let rest = self.buf.get(self.pos..).ok_or(self.pos)?;
        let (v, n) = uvarint(rest).map_err(|_| self.pos)?;
        self.pos += n;
        Ok(v)
    }
    pub(crate) fn varint(&mut self) -> Result<i64, usize> {
        let rest = self.buf.get(self.pos..).ok_or(self.pos)?;
        let (v, n) = varint(rest).map_err(|_| self.pos)?;
        self.pos += n;
        Ok(v)
    }
    /// A uvarint that must fit in `u32`.
    pub(crate) fn u32v(&mut self) -> Result<u32, usize> {
        let at = self.pos;
        u32::try_from(self.uvarint()?).map_err(|_| at)
    }
    /// A count of items that each take at least one byte: bounded by what is left, so a
    /// hostile count cannot make a caller allocate more than the input size.
    pub(crate) fn count(&mut self) -> Result<usize, usize> {
        let at = self.pos;
        let n = self.uvarint()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.remaining())
            .ok_or(at)
    }
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], usize> {
        let at = self.pos;
        let n = usize::try_from(self.uvarint()?).map_err(|_| at)?;
        self.take(n)
    }
    pub(crate) fn str(&mut self) -> Result<&'a str, usize> {
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
