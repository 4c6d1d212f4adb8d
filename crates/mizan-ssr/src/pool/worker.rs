//! One worker process: its stdin written by one task (so lines are never
//! interleaved), its stdout read by another that routes each reply to the
//! render waiting for its id.

use std::collections::HashMap;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::config::PoolConfig;
use super::protocol::Message;

/// What a render (or a ping) hears from its worker.
#[derive(Debug)]
pub(crate) enum Event {
    /// Part of the HTML, more to come.
    Chunk(String),
    /// The rest of the HTML: the render is complete.
    Done(String),
    /// The worker's error message: the render failed.
    Failed(String),
    /// The worker's own timer ended the render.
    TimedOut,
    /// The answer to a ping.
    Pong,
    /// The worker exited (or was killed) before answering: why.
    Died(String),
}

type Reply = mpsc::UnboundedSender<Event>;

/// A running worker as renders see it.
#[derive(Debug)]
pub(crate) struct Worker {
    pub pid: u32,
    lines: Mutex<Option<mpsc::UnboundedSender<String>>>,
    pending: Mutex<Pending>,
    in_flight: AtomicUsize,
    /// Asks the supervisor to kill the process (it is wedged).
    pub kill: Notify,
    wedged: AtomicBool,
}

#[derive(Debug, Default)]
struct Pending {
    /// `None` once the worker is gone: nothing can be registered any more.
    replies: Option<HashMap<u64, Reply>>,
}

/// The process behind a [`Worker`], owned by its supervisor.
pub(crate) struct Process {
    pub worker: Arc<Worker>,
    pub child: Child,
    reader: JoinHandle<()>,
}

impl Worker {
    /// Starts a worker and waits for its `ready`.
    pub(crate) async fn start(config: &PoolConfig) -> Result<Process, String> {
        let mut command = Command::new(&config.program);
        command
            .args(&config.args)
            .envs(config.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // Its own process group: a Ctrl-C in the terminal reaches the
            // server only, which finishes its renders and then closes the
            // workers. A server that dies any other way closes their stdin
            // (the pipe's only writer is gone), and they exit by themselves.
            .process_group(0)
            .kill_on_drop(true);
        if let Some(dir) = &config.current_dir {
            command.current_dir(dir);
        }
        let program = config.program.to_string_lossy();
        let mut child = command
            .spawn()
            .map_err(|err| format!("could not start the SSR worker `{program}`: {err}"))?;
        let pid = child.id().unwrap_or(0);
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(format!("the SSR worker `{program}` has no stdin or stdout"));
        };
        let (lines, queue) = mpsc::unbounded_channel();
        let worker = Arc::new(Worker {
            pid,
            lines: Mutex::new(Some(lines)),
            pending: Mutex::new(Pending {
                replies: Some(HashMap::new()),
            }),
            in_flight: AtomicUsize::new(0),
            kill: Notify::new(),
            wedged: AtomicBool::new(false),
        });
        tokio::spawn(write_lines(stdin, queue));
        let (ready, is_ready) = oneshot::channel();
        let reader = tokio::spawn(read_lines(
            stdout,
            Arc::clone(&worker),
            ready,
            config.max_message_bytes,
        ));
        let exited = |status| {
            format!(
                "the SSR worker (pid {pid}) exited before it was ready ({})",
                describe(status)
            )
        };
        let waited = tokio::select! {
            ready = is_ready => match ready {
                Ok(()) => Ok(()),
                // Its stdout ended: it is exiting; say how.
                Err(_) => match tokio::time::timeout(config.start_timeout, child.wait()).await {
                    Ok(status) => Err(exited(status)),
                    Err(_) => Err(format!(
                        "the SSR worker (pid {pid}) closed its stdout before it was ready"
                    )),
                },
            },
            status = child.wait() => Err(exited(status)),
            () = tokio::time::sleep(config.start_timeout) => Err(format!(
                "the SSR worker (pid {pid}) did not say it was ready within {:?}",
                config.start_timeout
            )),
        };
        match waited {
            Ok(()) => Ok(Process {
                worker,
                child,
                reader,
            }),
            Err(err) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                reader.abort();
                Err(err)
            }
        }
    }

    /// Registers a render (or ping) `id` and writes its line. Fails when the
    /// worker is gone or going.
    pub(crate) fn send(&self, id: u64, line: String) -> Result<mpsc::UnboundedReceiver<Event>, ()> {
        let (reply, events) = mpsc::unbounded_channel();
        self.pending().replies.as_mut().ok_or(())?.insert(id, reply);
        let sent = lock(&self.lines)
            .as_ref()
            .is_some_and(|lines| lines.send(line).is_ok());
        if sent {
            Ok(events)
        } else {
            self.forget(id);
            Err(())
        }
    }

    /// Stops waiting for `id` (answered, timed out, or its caller left).
    pub(crate) fn forget(&self, id: u64) {
        if let Some(replies) = self.pending().replies.as_mut() {
            replies.remove(&id);
        }
    }

    /// Renders sent to it and not yet answered.
    pub(crate) fn load(&self) -> usize {
        self.in_flight.load(Relaxed)
    }

    pub(crate) fn hold(&self) {
        self.in_flight.fetch_add(1, Relaxed);
    }

    pub(crate) fn release(&self) {
        self.in_flight.fetch_sub(1, Relaxed);
    }

    /// Closes its stdin: a worker exits when its stdin ends.
    pub(crate) fn close(&self) {
        lock(&self.lines).take();
    }

    /// Marks it wedged and asks its supervisor to kill it.
    pub(crate) fn wedge(&self) {
        self.wedged.store(true, Relaxed);
        self.kill.notify_one();
    }

    pub(crate) fn is_wedged(&self) -> bool {
        self.wedged.load(Relaxed)
    }

    /// The worker is gone: every render it held fails with `why`, and
    /// nothing more can be sent to it.
    pub(crate) fn fail_all(&self, why: &str) {
        self.close();
        let replies = self.pending().replies.take().unwrap_or_default();
        for reply in replies.into_values() {
            let _ = reply.send(Event::Died(why.to_owned()));
        }
    }

    fn pending(&self) -> MutexGuard<'_, Pending> {
        lock(&self.pending)
    }

    /// Hands a reply to the render waiting for `id`; a final one ends the wait.
    fn deliver(&self, id: u64, event: Event) {
        let mut pending = self.pending();
        let Some(replies) = pending.replies.as_mut() else {
            return;
        };
        let last = !matches!(event, Event::Chunk(_));
        let reply = if last {
            replies.remove(&id)
        } else {
            replies.get(&id).cloned()
        };
        drop(pending);
        // No one waiting: a reply to a render that timed out or was dropped.
        if let Some(reply) = reply {
            let _ = reply.send(event);
        }
    }
}

impl Process {
    /// After the process exited: waits (briefly) for the reader to hand
    /// over what the worker wrote last, then fails what is left.
    pub(crate) async fn finish(self, why: &str) {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), self.reader).await;
        self.worker.fail_all(why);
    }
}

/// How a process ended, for an error message.
pub(crate) fn describe(status: std::io::Result<ExitStatus>) -> String {
    match status {
        Ok(status) => status.to_string(),
        Err(err) => format!("its status could not be read: {err}"),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The only writer of the worker's stdin: one line at a time, whole.
async fn write_lines(mut stdin: ChildStdin, mut queue: mpsc::UnboundedReceiver<String>) {
    while let Some(line) = queue.recv().await {
        if stdin.write_all(line.as_bytes()).await.is_err() {
            break;
        }
    }
    // Dropping stdin closes the pipe: the worker sees its end and exits.
}

/// Reads the worker's replies until its stdout ends.
async fn read_lines(
    stdout: ChildStdout,
    worker: Arc<Worker>,
    ready: oneshot::Sender<()>,
    limit: usize,
) {
    let mut ready = Some(ready);
    let mut reader = BufReader::new(stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut reader)
            .take(limit as u64 + 1)
            .read_until(b'\n', &mut line)
            .await;
        match read {
            Ok(0) | Err(_) => return,
            Ok(n) if n > limit => {
                tracing::error!(
                    pid = worker.pid,
                    limit,
                    "an SSR worker wrote a line longer than the limit: restarting it"
                );
                worker.wedge();
                return;
            }
            Ok(_) => {}
        }
        let Some(message) = Message::parse(&line) else {
            // Not the protocol: something in the app wrote to stdout.
            let text = String::from_utf8_lossy(&line);
            tracing::warn!(pid = worker.pid, line = %text.trim_end(), "an SSR worker wrote a line that is not the protocol");
            continue;
        };
        let Some(id) = message.id else { continue };
        if id == 0 && message.ready {
            if let Some(ready) = ready.take() {
                let _ = ready.send(());
            }
            continue;
        }
        let event = if message.timed_out {
            Event::TimedOut
        } else if let Some(error) = message.error {
            Event::Failed(error)
        } else if let Some(html) = message.html {
            Event::Done(html)
        } else if let Some(chunk) = message.chunk {
            Event::Chunk(chunk)
        } else if message.pong {
            Event::Pong
        } else {
            continue;
        };
        worker.deliver(id, event);
    }
}
