//! A forward reader over a byte slice that remembers its offset, so errors can say where.

use crate::{Error, Result, varint};

/// Reads fields from `src` starting at `pos`.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    src: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(src: &'a [u8]) -> Self {
        Cursor { src, pos: 0 }
    }

    /// Offset of the next unread byte.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.src.len() - self.pos
    }

    pub(crate) fn corrupted(&self, detail: &'static str) -> Error {
        Error::Corrupted {
            detail,
            offset: self.pos,
        }
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        let b = *self.src.get(self.pos).ok_or(Error::Truncated {
            needed: 1,
            available: 0,
        })?;
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let available = self.remaining();
        if n > available {
            return Err(Error::Truncated {
                needed: n,
                available,
            });
        }
        let b = &self.src[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    pub(crate) fn u64_le(&mut self) -> Result<u64> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    pub(crate) fn uvarint(&mut self) -> Result<u64> {
        let (v, n) = varint::uvarint(&self.src[self.pos..]).map_err(|e| self.at(e))?;
        self.pos += n;
        Ok(v)
    }

    pub(crate) fn varint(&mut self) -> Result<i64> {
        self.uvarint().map(varint::unzigzag)
    }

    /// Reads a uvarint that must be at most `max` (a count or position).
    pub(crate) fn bounded(&mut self, max: usize, detail: &'static str) -> Result<usize> {
        let start = self.pos;
        let v = self.uvarint()?;
        if v > max as u64 {
            return Err(Error::Corrupted {
                detail,
                offset: start,
            });
        }
        Ok(v as usize)
    }

    /// All bytes not yet read.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let b = &self.src[self.pos..];
        self.pos = self.src.len();
        b
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.pos != self.src.len() {
            return Err(self.corrupted("trailing bytes after payload"));
        }
        Ok(())
    }

    /// Rebases a varint error from the sub-slice onto this cursor's offset.
    fn at(&self, e: Error) -> Error {
        match e {
            Error::VarintOverflow { offset } => Error::VarintOverflow {
                offset: offset + self.pos,
            },
            e => e,
        }
    }
}
