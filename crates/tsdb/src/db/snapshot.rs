//! Consistent copies of the database for backups and the admin snapshot endpoint.

use std::fs;
use std::path::Path;

use model::{SampleBuf, SampleSource};

use super::Db;
use crate::block::writer::{BlockWriter, fsync_path};
use crate::error::{Result, io_err};
use crate::filenames::{
    BLOCK_CHUNKS, BLOCK_INDEX, BLOCK_META, BLOCKS_DIR, EXEMPLARS_DIR, METADATA,
};
use crate::querier::SampleReader;
use crate::querier::reader::Part;

impl Db {
    /// Writes a copy of all data into `dir` (created; it must not hold blocks already):
    /// blocks are hard-linked (copied across file systems), and with `with_head` the head's
    /// data is written as blocks too. The result opens as a database of its own.
    pub fn snapshot(&self, dir: impl AsRef<Path>, with_head: bool) -> Result<()> {
        let inner = &self.inner;
        // No cut or compaction changes blocks and head while we copy.
        let _one = inner.maintenance.lock();
        let out = dir.as_ref().join(BLOCKS_DIR);
        fs::create_dir_all(&out).map_err(io_err("create", &out))?;
        let blocks = inner.blocks.read().clone();
        for b in &blocks {
            let target = out.join(&b.meta.id);
            fs::create_dir(&target).map_err(io_err("create", &target))?;
            for name in [BLOCK_META, BLOCK_INDEX, BLOCK_CHUNKS] {
                let (from, to) = (b.dir.join(name), target.join(name));
                if fs::hard_link(&from, &to).is_err() {
                    fs::copy(&from, &to).map_err(io_err("copy", &from))?;
                }
            }
        }
        if with_head {
            let block = inner.opts.block_ms();
            if let Some((lo, hi)) = inner.head.time_range() {
                let mut a = lo.div_euclid(block) * block;
                let mut buf = SampleBuf::new();
                while a <= hi {
                    let b = a + block;
                    let mut w = BlockWriter::create(&out, a, b, block, 1, Vec::new(), Vec::new())?;
                    for (labels, snap) in inner.head.capture(a, b)? {
                        buf.clear();
                        SampleReader::new(Part::from_head(snap), a, b - 1).read_into(&mut buf)?;
                        w.add_samples(labels, &buf.t, &buf.v)?;
                    }
                    w.finish()?;
                    a = b;
                }
            }
        }
        inner.exemplars.copy_to(&dir.as_ref().join(EXEMPLARS_DIR))?;
        let md = inner.metadata.path();
        fs::copy(md, dir.as_ref().join(METADATA)).map_err(io_err("copy", md))?;
        fsync_path(&out)
    }
}
