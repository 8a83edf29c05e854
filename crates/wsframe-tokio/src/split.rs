//! A read half and a write half usable from two tasks, without a mutex and without a
//! task of their own.
//!
//! # Design
//!
//! The read half owes the peer frames it cannot wait for the write half to send (the
//! pong for a ping, the close reply); the write half must not interleave its frames
//! with them. Peers solve this with a lock held for a whole read (`BiLock` in
//! `futures::StreamExt::split`, `tokio::io::split`), with a writer task and a queue
//! (unbounded in tokio-websockets until its issues #92 and #106), or by handing the
//! obligation to the application (fastwebsockets' `read_frame` closure); the lock-based
//! ones have lost wake-ups where two tasks poll one socket (the socket remembers only
//! the last writer's waker).
//!
//! Here the halves share one state: the core, the socket and the bounded buffer of
//! whole encoded frames. A half *hands it over*, never waits for it:
//!
//! - A half takes it only for the synchronous part of one `poll` call (a socket
//!   read or write that returns at once, and the core's processing of what was read)
//!   and gives it back before returning, `Pending` or not. Nothing is held across an
//!   await point, so neither half can stall the other for longer than one such call.
//! - If the other half holds it at that instant, the half records that it waits and
//!   returns `Pending`; the holder wakes it as it gives the state back. (Recording, then
//!   trying once more, closes the window in which the holder could give it back
//!   unseen.) `start_send`, which has no waker, stages its one message instead and the
//!   next `poll_ready`/`poll_flush` encodes it.
//! - Owed frames are queued by whichever half holds the state and written by whichever
//!   half polls next: a read-only task gets its pongs out by reading, a write-only task
//!   by writing. No task is spawned and no frame waits for the other half's activity.
//! - The socket is polled with one waker that wakes both halves' registered wakers, so
//!   a write readiness that one half asked for reaches the other too: no lost wake-up
//!   when both waited on the same socket.
//!
//! The hand-over is exclusive access, as a lock is, but it is never waited on while the
//! other half is pending on I/O, it needs no queue (at most one owed frame is buffered,
//! the core keeps the latest pong), and a half's wake-ups do not depend on the other half
//! being polled. The only `unsafe` is the cell holding the state, guarded by the
//! hand-over flag (`Shared::hold`), and `tests/stream.rs` drives both halves from two
//! tasks on a multi-threaded runtime and from one `tokio::select!`.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use atomic_waker::AtomicWaker;
use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::read::ReadState;
use crate::write::Inner;
use crate::{Error, Message};

#[derive(Debug, Clone, Copy)]
enum Side {
    Read = 0,
    Write = 1,
}

/// The wakers of the two halves; as a waker itself, it wakes both.
#[derive(Debug, Default)]
struct Wakers([AtomicWaker; 2]);

impl Wake for Wakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        for waker in &self.0 {
            waker.wake();
        }
    }
}

/// What the two halves share.
struct Shared<S> {
    /// Set while one half holds `inner`.
    busy: AtomicBool,
    /// Per side: it found `inner` held and waits to be woken when it is given back.
    waiting: [AtomicBool; 2],
    wakers: Arc<Wakers>,
    /// Wakes both halves; the socket is always polled with it.
    io_waker: Waker,
    inner: UnsafeCell<Inner<S>>,
}

// SAFETY: `inner` is only reached through a `Held`, and `busy` lets at most one exist at
// a time (see `Shared::hold`), so `Inner<S>` moves between threads but is never shared:
// `S: Send` is all it needs.
#[allow(unsafe_code)]
unsafe impl<S: Send> Send for Shared<S> {}
#[allow(unsafe_code)]
unsafe impl<S: Send> Sync for Shared<S> {}

impl<S> Shared<S> {
    fn new(inner: Inner<S>) -> Self {
        let wakers = Arc::new(Wakers::default());
        Self {
            busy: AtomicBool::new(false),
            waiting: [AtomicBool::new(false), AtomicBool::new(false)],
            io_waker: Waker::from(wakers.clone()),
            wakers,
            inner: UnsafeCell::new(inner),
        }
    }

    /// Takes `inner` for this side, or notes that the side waits for it.
    fn hold(&self, side: Side, cx: &Context<'_>) -> Option<Held<'_, S>> {
        self.wakers.0[side as usize].register(cx.waker());
        let take = || {
            self.busy
                .compare_exchange(false, true, SeqCst, SeqCst)
                .is_ok()
        };
        if !take() {
            self.waiting[side as usize].store(true, SeqCst);
            // The holder may have given it back before seeing the flag.
            if !take() {
                return None;
            }
        }
        self.waiting[side as usize].store(false, SeqCst);
        Some(Held { shared: self, side })
    }

    /// This side's poll finished: it needs no wake-up until it is polled again.
    fn done(&self, side: Side) {
        self.wakers.0[side as usize].take();
    }
}

/// `inner`, held by one side until dropped.
struct Held<'a, S> {
    shared: &'a Shared<S>,
    side: Side,
}

impl<S> Deref for Held<'_, S> {
    type Target = Inner<S>;
    fn deref(&self) -> &Inner<S> {
        // SAFETY: `busy` was set by this `Held` (compare_exchange false -> true) and is
        // cleared only when it drops, so no other reference to `inner` exists.
        #[allow(unsafe_code)]
        unsafe {
            &*self.shared.inner.get()
        }
    }
}

impl<S> DerefMut for Held<'_, S> {
    fn deref_mut(&mut self) -> &mut Inner<S> {
        // SAFETY: as in `deref`; `&mut self` makes this the only borrow of the `Held`.
        #[allow(unsafe_code)]
        unsafe {
            &mut *self.shared.inner.get()
        }
    }
}

impl<S> Drop for Held<'_, S> {
    fn drop(&mut self) {
        self.shared.busy.store(false, SeqCst);
        let other = match self.side {
            Side::Read => Side::Write,
            Side::Write => Side::Read,
        } as usize;
        if self.shared.waiting[other].swap(false, SeqCst) {
            self.shared.wakers.0[other].wake();
        }
    }
}

/// Splits an open stream's state into the two halves.
pub(crate) fn split<S>(inner: Inner<S>, read: ReadState) -> (ReadHalf<S>, WriteHalf<S>) {
    let shared = Arc::new(Shared::new(inner));
    (
        ReadHalf {
            shared: shared.clone(),
            read,
        },
        WriteHalf {
            shared,
            staged: None,
        },
    )
}

/// The receiving half of a [`WebSocketStream`](crate::WebSocketStream): a
/// [`Stream`] of messages. It also writes what the protocol owes the peer (pongs, the
/// close reply) and runs the connection's timers, so keep polling it.
///
/// `poll_next` (and so `StreamExt::next`) is cancel safe: a message is either returned
/// or still unread.
pub struct ReadHalf<S> {
    shared: Arc<Shared<S>>,
    read: ReadState,
}

/// The sending half of a [`WebSocketStream`](crate::WebSocketStream): a [`Sink`] of
/// messages with the same bounded buffer and backpressure.
///
/// `SinkExt::send` is cancel safe in the sense of every `Sink`: cancelled before
/// `start_send`, the message was not taken; after it, the message is buffered and goes
/// out with the next flush. `poll_close` sends a close frame (1000); the read half then
/// receives the peer's reply and ends.
pub struct WriteHalf<S> {
    shared: Arc<Shared<S>>,
    /// A message given to `start_send` while the read half held the connection.
    staged: Option<Message>,
}

impl<S> std::fmt::Debug for ReadHalf<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<S> std::fmt::Debug for WriteHalf<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteHalf")
            .field("staged", &self.staged.is_some())
            .finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for ReadHalf<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(mut inner) = this.shared.hold(Side::Read, cx) else {
            return Poll::Pending;
        };
        let mut io_cx = Context::from_waker(&this.shared.io_waker);
        let polled = this.read.poll_next(&mut inner, &mut io_cx, cx);
        drop(inner);
        if polled.is_ready() {
            this.shared.done(Side::Read);
        }
        polled
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WriteHalf<S> {
    /// Runs `f` with the connection held, after encoding a staged message.
    fn with_inner<T>(
        &mut self,
        cx: &mut Context<'_>,
        f: impl FnOnce(&mut Inner<S>, &mut Context<'_>) -> Poll<Result<T, Error>>,
    ) -> Poll<Result<T, Error>> {
        let Some(mut inner) = self.shared.hold(Side::Write, cx) else {
            return Poll::Pending;
        };
        let mut io_cx = Context::from_waker(&self.shared.io_waker);
        let polled = match self.staged.take() {
            Some(message) => match inner.encode(&message) {
                Ok(()) => f(&mut inner, &mut io_cx),
                Err(e) => Poll::Ready(Err(e)),
            },
            None => f(&mut inner, &mut io_cx),
        };
        drop(inner);
        if polled.is_ready() {
            self.shared.done(Side::Write);
        }
        polled
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WriteHalf<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut()
            .with_inner(cx, |inner, cx| inner.poll_ready(cx))
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        let this = self.get_mut();
        // No waker here: if the read half holds the connection right now, stage the
        // message for the next poll instead of waiting.
        let busy = this
            .shared
            .busy
            .compare_exchange(false, true, SeqCst, SeqCst);
        if busy.is_err() {
            this.staged = Some(message);
            return Ok(());
        }
        let mut inner = Held {
            shared: &this.shared,
            side: Side::Write,
        };
        inner.encode(&message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut()
            .with_inner(cx, |inner, cx| inner.poll_flush(cx).map_err(Error::from))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut()
            .with_inner(cx, |inner, cx| inner.poll_close(cx))
    }
}
