//! A tonic codec that decodes each message from one contiguous slice.
//!
//! tonic's prost codec decodes straight from its frame buffer through the generic `Buf`
//! interface, paying a bounds-checked `advance` per field; an OTLP export is a large message
//! of small fields, and decoding it from a slice takes about half the time. Taking the
//! message's bytes out of the frame buffer does not copy them. Undecodable messages are
//! INVALID_ARGUMENT, which clients do not retry (tonic's codec answers INTERNAL).

use std::marker::PhantomData;

use prost::Message;
use prost::bytes::Buf;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

/// Encodes `E` replies and decodes `D` requests.
#[derive(Debug)]
pub(super) struct SliceCodec<E, D>(PhantomData<fn(E) -> D>);

impl<E, D> Default for SliceCodec<E, D> {
    fn default() -> Self {
        SliceCodec(PhantomData)
    }
}

impl<E, D> Codec for SliceCodec<E, D>
where
    E: Message + Send + 'static,
    D: Message + Default + Send + 'static,
{
    type Encode = E;
    type Decode = D;
    type Encoder = SliceCodec<E, D>;
    type Decoder = SliceCodec<E, D>;

    fn encoder(&mut self) -> Self::Encoder {
        SliceCodec::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        SliceCodec::default()
    }
}

impl<E: Message, D> Encoder for SliceCodec<E, D> {
    type Item = E;
    type Error = Status;

    fn encode(&mut self, item: E, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(buf)
            .map_err(|e| Status::internal(format!("encoding the reply: {e}")))
    }
}

impl<E, D: Message + Default> Decoder for SliceCodec<E, D> {
    type Item = D;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<D>, Status> {
        let bytes = buf.copy_to_bytes(buf.remaining());
        D::decode(&bytes[..]).map(Some).map_err(|e| {
            Status::invalid_argument(format!("cannot decode the protobuf export request: {e}"))
        })
    }
}
