//! The TCP socket under a Postgres connection, as the byte stream
//! tokio-postgres reads and writes.
//!
//! `worker::Socket` takes a reader or writer lock on the socket's streams for
//! every read and write and releases it afterwards, and sends each write as
//! its own chunk. Profiled under workerd, that plumbing was the largest part
//! of a request's CPU (figures in BENCHMARKS.md). This stream
//! takes each lock once for the life of the connection and gathers writes
//! until tokio-postgres flushes (or waits for an answer), so a request sends
//! one chunk per round trip.

use js_sys::{Reflect, Uint8Array};
use std::cell::RefCell;
use std::future::{ready, Future, Ready};
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, TlsConnect, TlsStream};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::web_sys::{ReadableStreamDefaultReader, WritableStreamDefaultWriter};
use worker::worker_sys;

/// The JavaScript socket under a connection, shared between the stream and
/// its owner, who may close it while tokio-postgres holds the stream; an
/// upgrade to TLS replaces it.
#[derive(Clone)]
pub struct SocketHandle(Rc<RefCell<worker_sys::Socket>>);

impl SocketHandle {
    /// Opens a TCP socket to `host:port` that can be upgraded to TLS later
    /// (STARTTLS, as Postgres and Hyperdrive negotiate it).
    pub fn connect(host: &str, port: u16) -> Result<SocketHandle, String> {
        let address = js_sys::Object::new();
        let options = js_sys::Object::new();
        let set = |target: &js_sys::Object, name: &str, value: JsValue| {
            Reflect::set(target, &name.into(), &value).map(drop).map_err(|e| format!("{e:?}"))
        };
        set(&address, "hostname", host.into())?;
        set(&address, "port", port.into())?;
        set(&options, "secureTransport", "starttls".into())?;
        set(&options, "allowHalfOpen", false.into())?;
        let socket = worker_sys::connect(address.into(), options.into()).map_err(|e| format!("{e:?}"))?;
        Ok(SocketHandle(Rc::new(RefCell::new(socket))))
    }

    /// Closes the socket now; pending reads and writes fail.
    pub fn close(&self) {
        if let Err(error) = self.0.borrow().close() {
            worker::console_warn!("closing a database socket: {error:?}");
        }
    }
}

/// Writes gathered beyond this many bytes wait for the chunk in flight.
const MAX_GATHERED: usize = 64 * 1024;

/// The protocol's Terminate message, which tokio-postgres writes alone as a
/// connection ends, just before closing the socket.
const TERMINATE: [u8; 5] = [b'X', 0, 0, 0, 4];

pub struct PgStream {
    socket: SocketHandle,
    reader: ReadableStreamDefaultReader,
    writer: WritableStreamDefaultWriter,
    /// A `read()` in flight.
    reading: Option<JsFuture>,
    /// Bytes of the last chunk read that did not fit the caller's buffer.
    unread: Vec<u8>,
    /// Writes not yet handed to the socket.
    gathered: Vec<u8>,
    /// A `write()` in flight.
    writing: Option<JsFuture>,
    closing: Option<JsFuture>,
}

// Workers run one thread per isolate; tokio-postgres asks for Send.
unsafe impl Send for PgStream {}

fn js_error(context: &str, error: JsValue) -> io::Error {
    io::Error::other(format!("{context}: {error:?}"))
}

impl PgStream {
    /// A new connection to `host:port`: the stream tokio-postgres uses, and
    /// the handle its owner keeps to close it.
    pub fn open(host: &str, port: u16) -> Result<(PgStream, SocketHandle), String> {
        let handle = SocketHandle::connect(host, port)?;
        Ok((PgStream::new(handle.clone())?, handle))
    }

    fn new(socket: SocketHandle) -> Result<PgStream, String> {
        let (reader, writer) = {
            let js = socket.0.borrow();
            let readable = js.readable().map_err(|e| format!("socket readable: {e:?}"))?;
            let writable = js.writable().map_err(|e| format!("socket writable: {e:?}"))?;
            let reader =
                readable.get_reader().dyn_into::<ReadableStreamDefaultReader>().map_err(|e| format!("{e:?}"))?;
            let writer = writable.get_writer().map_err(|e| format!("socket writer: {e:?}"))?;
            (reader, writer)
        };
        Ok(PgStream {
            socket,
            reader,
            writer,
            reading: None,
            unread: Vec::new(),
            gathered: Vec::new(),
            writing: None,
            closing: None,
        })
    }

    /// Hands the gathered bytes to the socket unless a write is in flight.
    fn start_write(&mut self) {
        if self.writing.is_none() && !self.gathered.is_empty() {
            let chunk = Uint8Array::from(self.gathered.as_slice());
            self.gathered.clear();
            self.writing = Some(JsFuture::from(self.writer.write_with_chunk(&chunk)));
        }
    }

    /// Polls the write in flight, if any, to completion.
    fn poll_writing(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(writing) = self.writing.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let outcome = std::task::ready!(Pin::new(writing).poll(cx));
        self.writing = None;
        Poll::Ready(outcome.map(drop).map_err(|e| js_error("socket write", e)))
    }
}

impl AsyncRead for PgStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // Whoever waits for an answer has sent everything it wrote, flushed
        // or not (tokio-postgres's SSL request does not flush).
        this.start_write();
        if let Poll::Ready(Err(error)) = this.poll_writing(cx) {
            return Poll::Ready(Err(error));
        }
        if !this.unread.is_empty() {
            let n = this.unread.len().min(buf.remaining());
            buf.put_slice(&this.unread[..n]);
            this.unread.drain(..n);
            return Poll::Ready(Ok(()));
        }
        let reader = &this.reader;
        let reading = this.reading.get_or_insert_with(|| JsFuture::from(reader.read()));
        let result = std::task::ready!(Pin::new(reading).poll(cx));
        this.reading = None;
        let result = result.map_err(|e| js_error("socket read", e))?;
        let done = Reflect::get(&result, &"done".into()).map_err(|e| js_error("socket read", e))?;
        if done.is_truthy() {
            return Poll::Ready(Ok(())); // end of stream: nothing read
        }
        let value = Reflect::get(&result, &"value".into()).map_err(|e| js_error("socket read", e))?;
        let chunk: Uint8Array = value.dyn_into().map_err(|e| js_error("socket read: not bytes", e))?;
        let length = chunk.length() as usize;
        let n = length.min(buf.remaining());
        chunk.subarray(0, n as u32).copy_to(buf.initialize_unfilled_to(n));
        buf.advance(n);
        if n < length {
            this.unread = chunk.subarray(n as u32, length as u32).to_vec();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for PgStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        // Closing the socket says the same: Postgres takes an end of stream
        // outside a transaction as a Terminate (logging it at DEBUG1 only),
        // and PgBouncer and Hyperdrive end the client's session either way.
        // Not sending it saves a socket write per request (BENCHMARKS.md).
        if data == TERMINATE && this.gathered.is_empty() {
            return Poll::Ready(Ok(data.len()));
        }
        if this.gathered.len() >= MAX_GATHERED {
            std::task::ready!(this.poll_writing(cx))?;
            this.start_write();
        }
        this.gathered.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            std::task::ready!(this.poll_writing(cx))?;
            if this.gathered.is_empty() {
                return Poll::Ready(Ok(()));
            }
            this.start_write();
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.as_mut().poll_flush(cx))?;
        let this = &mut *self;
        let writer = &this.writer;
        let closing = this.closing.get_or_insert_with(|| JsFuture::from(writer.close()));
        let outcome = std::task::ready!(Pin::new(closing).poll(cx));
        Poll::Ready(outcome.map(drop).map_err(|e| js_error("socket close", e)))
    }
}

/// A `JsFuture` cannot take its callbacks off the promise: they (two closures
/// and their state, holding each other) are freed only when the promise
/// settles. A read still waiting when the connection ends (tokio-postgres
/// always has one in flight) settles only when the server's close arrives,
/// usually after the request has answered, and workerd never settles the
/// promises of an ended request: each connection left its callbacks behind.
/// Cancelling the reader settles the read now.
impl Drop for PgStream {
    fn drop(&mut self) {
        if self.reading.is_some() {
            let _ = self.reader.cancel();
        }
    }
}

/// Upgrades the connection to TLS when Postgres (or Hyperdrive) agrees to it:
/// workerd's STARTTLS does the handshake, so the stream stays a byte stream.
#[derive(Clone, Copy, Default)]
pub struct StartTls;

#[derive(Debug)]
pub struct StartTlsError(String);

impl std::fmt::Display for StartTlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "starting TLS: {}", self.0)
    }
}

impl std::error::Error for StartTlsError {}

impl TlsConnect<PgStream> for StartTls {
    type Stream = PgStream;
    type Error = StartTlsError;
    type Future = Ready<Result<PgStream, StartTlsError>>;

    fn connect(self, stream: PgStream) -> Self::Future {
        ready(stream.start_tls().map_err(StartTlsError))
    }
}

impl TlsStream for PgStream {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl PgStream {
    /// The same connection over TLS: the stream's locks are released, the
    /// socket upgraded, and the handle made to point at the upgraded socket.
    fn start_tls(self) -> Result<PgStream, String> {
        self.reader.release_lock();
        self.writer.release_lock();
        let upgraded = self.socket.0.borrow().start_tls().map_err(|e| format!("{e:?}"))?;
        *self.socket.0.borrow_mut() = upgraded;
        PgStream::new(self.socket.clone())
    }
}
