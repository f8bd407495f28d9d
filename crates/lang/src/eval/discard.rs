//! Syntax trees the compiler is done with, freed on a background thread.
//!
//! A class body runs once; its tree is then freed. At 10k resources that was ~23 M of the
//! compile thread's ~300 M instructions, all of it on the critical path. Bodies are
//! gathered into batches and a batch is handed to one freeing thread, started only when
//! there is enough to free; a small compile never starts it. The thread is joined before
//! the catalog is built, so every tree is gone (and the heap can be trimmed) by then, as
//! before.

use crate::ast::Expr;
use std::sync::mpsc::{channel, Sender};
use std::thread::JoinHandle;

/// Statements gathered before a batch goes to the freeing thread: a batch is worth a
/// channel message, and the trees waiting on this thread stay small.
const BATCH_STATEMENTS: usize = 512;

/// Bodies handed over together.
type Batch = Vec<Vec<Expr>>;

/// Bodies waiting to be freed, and the freeing thread once started.
#[derive(Default)]
pub(crate) struct Discard {
    batch: Batch,
    statements: usize,
    worker: Option<(Sender<Batch>, JoinHandle<()>)>,
}

impl Discard {
    /// Free a body, later and elsewhere.
    pub(crate) fn put(&mut self, body: Vec<Expr>) {
        if body.is_empty() {
            return;
        }
        self.statements += body.len();
        self.batch.push(body);
        if self.statements >= BATCH_STATEMENTS {
            self.send();
        }
    }

    /// Hand the batch to the freeing thread, starting it if needed; should it not start,
    /// the batch is freed here.
    fn send(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        self.statements = 0;
        if self.worker.is_none() {
            let (tx, rx) = channel::<Batch>();
            let started = std::thread::Builder::new()
                .name("converge-free".into())
                .spawn(move || rx.into_iter().for_each(drop));
            match started {
                Ok(h) => self.worker = Some((tx, h)),
                Err(_) => return drop(batch),
            }
        }
        if let Some((tx, _)) = &self.worker {
            // The thread only ends when the sender is dropped, so this cannot fail; if it
            // did, the batch comes back in the error and is freed here.
            let _ = tx.send(batch);
        }
    }

    /// Free what is left and wait until the freeing thread is done.
    pub(crate) fn finish(&mut self) {
        if self.worker.is_some() {
            self.send();
        } else {
            self.batch.clear();
            self.statements = 0;
        }
        if let Some((tx, h)) = self.worker.take() {
            drop(tx);
            let _ = h.join();
        }
    }
}

impl Drop for Discard {
    fn drop(&mut self) {
        self.finish();
    }
}
