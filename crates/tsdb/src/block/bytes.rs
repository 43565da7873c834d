//! Little-endian field writer and bounds-checked reader shared by the block file formats.

use codec::varint::{put_uvarint, put_varint, uvarint, varint};

/// Appends little-endian fields to a buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn uvarint(&mut self, v: u64) {
        put_uvarint(&mut self.buf, v);
    }
    pub(crate) fn varint(&mut self, v: i64) {
        put_varint(&mut self.buf, v);
    }
    /// A string as uvarint length + UTF-8 bytes.
    pub(crate) fn str(&mut self, s: &str) {
        self.uvarint(s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }
}

/// Reads fields from a slice; every method fails with the offset where data ran out or was
/// malformed, never panics.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub(crate) fn at(buf: &'a [u8], pos: usize) -> Self {
        Reader { buf, pos }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], usize> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(self.pos)?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], usize> {
        let s = self.bytes(N)?;
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
    pub(crate) fn i64(&mut self) -> Result<i64, usize> {
        Ok(i64::from_le_bytes(self.array()?))
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
    pub(crate) fn str(&mut self) -> Result<String, usize> {
        Ok(self.str_ref()?.to_string())
    }
    pub(crate) fn str_ref(&mut self) -> Result<&'a str, usize> {
        let at = self.pos;
        let n = usize::try_from(self.uvarint()?).map_err(|_| at)?;
        std::str::from_utf8(self.bytes(n)?).map_err(|_| at)
    }
}
