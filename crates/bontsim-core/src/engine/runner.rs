//! The trial runner: patients in chunks, chunks in parallel a wave at a time on a bounded
//! pool of worker threads, merged in chunk order. The result depends only on the request,
//! never on the number of threads; memory holds one wave of aggregates whatever the number
//! of patients; a shard runs its share of the patients and returns a mergeable partial.

use super::error::Error;
use super::request::TrialArm;
use super::Progress;
use crate::model::Parameters;
use crate::population::Variability;
use crate::trial::{run_arm_with, shard_range, ArmAggregate, TrialAggregate, TrialSettings};
use crate::MODEL_VERSION;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Patients simulated per parallel work item.
const CHUNK: u64 = 64;
/// Work items run in parallel before their aggregates are merged (bounds memory: a million
/// patients are 15,625 chunks, and a chunk's aggregate holds every day's counts).
const WAVE: u64 = 256;

/// Worker threads allowed per core: more only adds thread start-up and switching (50,000
/// threads for 10 patients ran for over 20 s).
pub const THREADS_PER_CORE: usize = 4;

/// The worker threads a trial starts for a requested count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerThreads {
    /// Threads started (0: one per core, the thread pool's default).
    pub threads: usize,
    /// The request's count when it was more than [`THREADS_PER_CORE`] per core and was lowered.
    pub lowered_from: Option<usize>,
    /// Cores on this machine.
    pub cores: usize,
}

/// `requested` capped at [`THREADS_PER_CORE`] per core of this machine.
pub fn worker_threads(requested: Option<usize>) -> WorkerThreads {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let limit = cores * THREADS_PER_CORE;
    match requested {
        Some(threads) if threads > limit => WorkerThreads {
            threads: limit,
            lowered_from: Some(threads),
            cores,
        },
        Some(threads) => WorkerThreads {
            threads,
            lowered_from: None,
            cores,
        },
        None => WorkerThreads {
            threads: 0,
            lowered_from: None,
            cores,
        },
    }
}

/// What a trial run needs besides its arms.
pub(super) struct Run<'a> {
    pub settings: &'a TrialSettings,
    pub shard: Option<(u64, u64)>,
    pub threads: Option<usize>,
    pub parameters: &'a Parameters,
    pub variability: &'a Variability,
    /// Set by the caller to stop: chunks not yet started are skipped and the run is
    /// [`Error::Cancelled`].
    pub cancel: &'a AtomicBool,
}

/// Run the trial's patients (or the shard's) and aggregate them per arm.
pub(super) fn run(
    arms: &[TrialArm],
    run: Run,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<TrialAggregate, Error> {
    let settings = run.settings;
    let range = match run.shard {
        Some((i, n)) => shard_range(settings.patients, i, n),
        None => 0..settings.patients,
    };
    let threads = worker_threads(run.threads).threads;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| Error::Threads { threads, source })?;
    let total = (range.end - range.start) * arms.len() as u64;
    let done = AtomicU64::new(0);
    progress(Progress { done: 0, total });
    let aggregates: Option<Vec<ArmAggregate>> = pool.install(|| {
        arms.iter()
            .map(|arm| {
                let chunk_count = (range.end - range.start).div_ceil(CHUNK);
                let run_chunk = |c: u64| {
                    if run.cancel.load(Ordering::Relaxed) {
                        return None;
                    }
                    let start = range.start + c * CHUNK;
                    let chunk = start..(start + CHUNK).min(range.end);
                    let count = chunk.end - chunk.start;
                    let part = run_arm_with(
                        &arm.name,
                        &arm.plan,
                        run.parameters,
                        settings,
                        run.variability,
                        chunk,
                    );
                    let done = done.fetch_add(count, Ordering::Relaxed) + count;
                    progress(Progress { done, total });
                    Some(part)
                };
                // Chunks run in parallel a wave at a time and merge in chunk order, so memory
                // holds one wave of aggregates whatever the number of patients, and the result
                // does not depend on the number of threads.
                let mut aggregate: Option<ArmAggregate> = None;
                let mut wave_start = 0;
                while wave_start < chunk_count {
                    let wave_end = (wave_start + WAVE).min(chunk_count);
                    let parts: Option<Vec<ArmAggregate>> = (wave_start..wave_end)
                        .into_par_iter()
                        .map(run_chunk)
                        .collect();
                    for part in parts? {
                        match aggregate.as_mut() {
                            None => aggregate = Some(part),
                            Some(aggregate) => aggregate
                                .merge(&part)
                                .expect("chunks of one arm share their settings"),
                        }
                    }
                    wave_start = wave_end;
                }
                let mut aggregate = aggregate.unwrap_or_else(|| {
                    run_arm_with(
                        &arm.name,
                        &arm.plan,
                        run.parameters,
                        settings,
                        run.variability,
                        0..0,
                    )
                });
                aggregate.plan_sha256 = arm.plan_sha256.clone();
                Some(aggregate)
            })
            .collect()
    });
    let aggregates = aggregates.ok_or(Error::Cancelled)?;
    Ok(TrialAggregate {
        model_version: MODEL_VERSION.into(),
        shard: run.shard,
        settings: settings.clone(),
        covered: vec![(range.start, range.end)],
        arms: aggregates,
    })
}
