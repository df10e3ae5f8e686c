//! git's pkt-line framing and side-band multiplexing: encoding and a strict reader over a
//! byte slice. No I/O and no repository access here.

use std::fmt::Write as _;

/// The flush packet that ends a section.
pub const FLUSH: &[u8] = b"0000";
/// Largest pkt-line git accepts, length prefix included.
pub const MAX_PKT_LEN: usize = 65520;
/// Largest side-band-64k payload: a pkt-line minus its prefix and the channel byte.
const MAX_SIDEBAND_PAYLOAD: usize = MAX_PKT_LEN - 4 - 1;

/// Side-band channels as git numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Data = 1,
    Progress = 2,
}

/// Appends one pkt-line carrying `payload` (at most `MAX_PKT_LEN - 4` bytes; callers split
/// longer data, as [`sideband`] does).
pub fn write_pkt(out: &mut Vec<u8>, payload: &[u8]) {
    debug_assert!(payload.len() + 4 <= MAX_PKT_LEN);
    let mut prefix = String::with_capacity(4);
    let _ = write!(prefix, "{:04x}", payload.len() + 4);
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(payload);
}

/// Appends `data` on side-band `band`, split into as many pkt-lines as it needs.
pub fn sideband(out: &mut Vec<u8>, band: Band, data: &[u8]) {
    for chunk in data.chunks(MAX_SIDEBAND_PAYLOAD) {
        let mut payload = Vec::with_capacity(chunk.len() + 1);
        payload.push(band as u8);
        payload.extend_from_slice(chunk);
        write_pkt(out, &payload);
    }
}

/// One packet read from a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkt<'a> {
    Flush,
    Data(&'a [u8]),
}

/// Why a byte stream is not a valid sequence of pkt-lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PktError {
    #[error("truncated pkt-line at byte {offset}")]
    Truncated { offset: usize },
    #[error("invalid pkt-line length {text:?} at byte {offset}")]
    BadLength { offset: usize, text: String },
}

/// Reads pkt-lines from the front of a buffer; what follows the last one read (a packfile)
/// stays available through [`PktReader::rest`].
pub struct PktReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> PktReader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        PktReader { buf, pos: 0 }
    }

    /// The next packet, or `None` at the end of the buffer.
    pub fn next_pkt(&mut self) -> Result<Option<Pkt<'a>>, PktError> {
        let offset = self.pos;
        if offset == self.buf.len() {
            return Ok(None);
        }
        let prefix = self
            .buf
            .get(offset..offset + 4)
            .ok_or(PktError::Truncated { offset })?;
        let bad_length = || PktError::BadLength {
            offset,
            text: String::from_utf8_lossy(prefix).into_owned(),
        };
        let text = std::str::from_utf8(prefix).map_err(|_| bad_length())?;
        let len = usize::from_str_radix(text, 16).map_err(|_| bad_length())?;
        match len {
            0 => {
                self.pos += 4;
                Ok(Some(Pkt::Flush))
            }
            1..=4 => Err(bad_length()),
            _ if len > MAX_PKT_LEN => Err(bad_length()),
            _ => {
                let payload = self
                    .buf
                    .get(offset + 4..offset + len)
                    .ok_or(PktError::Truncated { offset })?;
                self.pos += len;
                Ok(Some(Pkt::Data(payload)))
            }
        }
    }

    /// The bytes after the packets read so far.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back_packets_and_flush() {
        let mut out = Vec::new();
        write_pkt(&mut out, b"unpack ok\n");
        out.extend_from_slice(FLUSH);
        out.extend_from_slice(b"PACK");
        assert_eq!(&out[..4], b"000e");
        let mut reader = PktReader::new(&out);
        assert_eq!(reader.next_pkt().unwrap(), Some(Pkt::Data(b"unpack ok\n")));
        assert_eq!(reader.next_pkt().unwrap(), Some(Pkt::Flush));
        assert_eq!(reader.rest(), b"PACK");
    }

    #[test]
    fn rejects_bad_and_truncated_lengths() {
        assert!(matches!(
            PktReader::new(b"zzzz").next_pkt(),
            Err(PktError::BadLength { .. })
        ));
        assert!(matches!(
            PktReader::new(b"0003").next_pkt(),
            Err(PktError::BadLength { .. })
        ));
        assert!(matches!(
            PktReader::new(b"0010abc").next_pkt(),
            Err(PktError::Truncated { offset: 0 })
        ));
        assert!(matches!(
            PktReader::new(b"00").next_pkt(),
            Err(PktError::Truncated { .. })
        ));
    }

    #[test]
    fn sideband_splits_long_data_and_tags_the_channel() {
        let data = vec![b'x'; MAX_SIDEBAND_PAYLOAD + 10];
        let mut out = Vec::new();
        sideband(&mut out, Band::Progress, &data);
        let mut reader = PktReader::new(&out);
        let Some(Pkt::Data(first)) = reader.next_pkt().unwrap() else {
            panic!("expected data")
        };
        assert_eq!(first.len(), MAX_PKT_LEN - 4);
        assert_eq!(first[0], 2);
        let Some(Pkt::Data(second)) = reader.next_pkt().unwrap() else {
            panic!("expected data")
        };
        assert_eq!(second.len(), 11);
        assert_eq!(reader.next_pkt().unwrap(), None);
    }
}
