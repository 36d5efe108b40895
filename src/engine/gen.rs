//! A seeded generator of random *valid* scenarios (for property tests, fuzzing and the
//! explorer's tests). Every choice respects scenario-format.md's combination rules by
//! construction; `tests/properties.rs` checks that each generated scenario validates.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::scenario::*;

/// Size limits of generated scenarios (kept small so thousands run per second).
pub struct GenLimits {
    pub max_records: u32,
    pub max_batch_size: u32,
    pub max_faults: usize,
}

impl Default for GenLimits {
    fn default() -> Self {
        GenLimits {
            max_records: 12,
            max_batch_size: 4,
            max_faults: 3,
        }
    }
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

/// A random valid scenario, fully determined by `seed`.
pub fn random_scenario(seed: u64, lim: &GenLimits) -> Scenario {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let rng = &mut rng;
    let engine_kind = EngineKind::ALL[rng.random_range(0..4u32) as usize];
    // A source the engine reads (scenario.rs's compatibility table); where a socket is
    // allowed, a log is twice as likely.
    let sources = engine_kind.sources();
    let source_kind = if sources.contains(&SourceKind::Socket) {
        pick(rng, &[SourceKind::Log, SourceKind::Log, SourceKind::Socket])
    } else {
        pick(rng, sources)
    };
    let records = rng.random_range(1..=lim.max_records);
    let batch_size = rng.random_range(1..=lim.max_batch_size);
    let log = source_kind == SourceKind::Log;
    let partitions = if log && rng.random_bool(0.25) {
        rng.random_range(2..=3)
    } else {
        1
    };
    let latest = log
        && matches!(engine_kind, EngineKind::Consumer | EngineKind::MicroBatch)
        && rng.random_bool(0.15);
    let arrival_ticks = if rng.random_bool(0.3) {
        let mut t = 0u64;
        let v: Vec<u64> = (0..records)
            .map(|_| {
                t += rng.random_range(0..3);
                t
            })
            .collect();
        Some(v)
    } else {
        None
    };
    let event_times = if rng.random_bool(0.25) {
        Some(
            (0..records)
                .map(|_| rng.random_range(0..(records as u64 + 3)))
                .collect(),
        )
    } else {
        None
    };
    let source = match source_kind {
        SourceKind::Log => Source::Log {
            starting_position: if latest {
                Some(StartingPosition::Latest)
            } else if rng.random_bool(0.2) {
                Some(StartingPosition::Earliest)
            } else {
                None
            },
        },
        SourceKind::Queue => Source::Queue {
            ack_deadline: rng.random_bool(0.5).then(|| rng.random_range(1..20)),
            exactly_once_delivery: rng.random_bool(0.5).then(|| rng.random_bool(0.5)),
        },
        SourceKind::Socket => Source::Socket,
    };

    // Sink first (the consumer's `transaction` mode depends on it).
    use SinkKind as K;
    let sinks: Vec<SinkKind> = SINK_CHOICES
        .iter()
        .filter(|k| k.engines().contains(&engine_kind))
        .flat_map(|&k| std::iter::repeat_n(k, sink_weight(k, engine_kind)))
        .collect();
    let sink_kind = pick(rng, &sinks);
    let sink = match sink_kind {
        K::Append => Sink::Append,
        K::Console => Sink::Console,
        K::Memory => Sink::Memory,
        K::File => Sink::File,
        K::Upsert => Sink::Upsert {
            key: Some(pick(
                rng,
                &[
                    UpsertKey::RecordId,
                    UpsertKey::SourcePosition,
                    UpsertKey::UuidPerAttempt,
                ],
            )),
        },
        K::ForeachBatch => {
            let ct = rng.random_bool(0.75);
            if ct {
                let tx = pick(rng, &[FbTransaction::Same, FbTransaction::Separate]);
                Sink::ForeachBatch {
                    control_table: Some(true),
                    transaction: Some(tx),
                    order: (tx == FbTransaction::Separate)
                        .then(|| pick(rng, &[FbOrder::DataFirst, FbOrder::MarkerFirst])),
                }
            } else {
                Sink::ForeachBatch {
                    control_table: Some(false),
                    transaction: None,
                    order: None,
                }
            }
        }
        K::Delta => Sink::Delta {
            txn_app_id: Some(pick(
                rng,
                &[TxnAppId::QueryId, TxnAppId::Fixed, TxnAppId::None],
            )),
        },
        K::Kafka => {
            let tx = engine_kind != EngineKind::MicroBatch && log && rng.random_bool(0.6);
            let idem = if tx { true } else { rng.random_bool(0.6) };
            Sink::Kafka {
                idempotence: Some(idem),
                transactions: Some(tx),
                isolation: Some(pick(
                    rng,
                    &[Isolation::ReadCommitted, Isolation::ReadUncommitted],
                )),
                transaction_timeout: (tx && rng.random_bool(0.5)).then(|| rng.random_range(1..80)),
            }
        }
        K::Bigquery => gen_bigquery(rng, engine_kind, log && partitions == 1),
    };
    let kafka_tx = matches!(
        sink,
        Sink::Kafka {
            transactions: Some(true),
            ..
        }
    );
    let engine = match engine_kind {
        EngineKind::Consumer => {
            let mut modes = vec![CommitMode::After, CommitMode::Before];
            if log {
                modes.push(CommitMode::Auto);
            }
            if kafka_tx {
                modes.extend([CommitMode::Transaction, CommitMode::Transaction]);
            }
            let m = pick(rng, &modes);
            Engine::Consumer {
                commit_mode: Some(m),
                auto_commit_every: (m == CommitMode::Auto).then(|| rng.random_range(1..4)),
            }
        }
        EngineKind::MicroBatch => Engine::MicroBatch,
        EngineKind::Flink => Engine::Flink,
        EngineKind::Beam => Engine::Beam {
            dedup_by: if source_kind == SourceKind::Queue && rng.random_bool(0.5) {
                Some(DedupBy::IdAttribute)
            } else {
                None
            },
        },
    };
    let dedup = (engine_kind == EngineKind::MicroBatch && rng.random_bool(0.25)).then(|| {
        let mode = pick(
            rng,
            &[DedupMode::DropDuplicates, DedupMode::WithinWatermark],
        );
        Dedup {
            mode,
            watermark_delay: if mode == DedupMode::WithinWatermark || rng.random_bool(0.6) {
                Some(rng.random_range(0..5))
            } else {
                None
            },
        }
    });
    let mut sc = Scenario {
        version: 1,
        seed: rng.random_range(0..1000),
        workload: Workload {
            records,
            batch_size,
            partitions,
            event_times,
            arrival_ticks,
        },
        source,
        engine,
        dedup,
        sink,
        faults: Vec::new(),
    };
    // BigQuery offsets source needs a single-partition log: fix up after the fact.
    if let Sink::Bigquery {
        offsets: Some(Offsets::Source),
        ..
    } = sc.sink
    {
        sc.workload.partitions = 1;
    }
    let nf = rng.random_range(0..=lim.max_faults);
    let mut taken: Vec<(u64, u32)> = Vec::new();
    for _ in 0..nf {
        if let Some(f) = gen_fault(rng, &sc, &mut taken) {
            sc.faults.push(f);
        }
    }
    sc
}

/// The sinks in the order the generator lists them; it keeps those the engine writes to
/// (scenario.rs's compatibility table), each repeated by its weight.
const SINK_CHOICES: [SinkKind; 9] = [
    SinkKind::Append,
    SinkKind::Upsert,
    SinkKind::Console,
    SinkKind::File,
    SinkKind::ForeachBatch,
    SinkKind::Delta,
    SinkKind::Memory,
    SinkKind::Kafka,
    SinkKind::Bigquery,
];

const _: () = assert!(SINK_CHOICES.len() == SinkKind::ALL.len());

/// How often a sink is picked, relative to the others the engine allows (a generator
/// choice: the sinks with the most options come up more often).
fn sink_weight(sink: SinkKind, engine: EngineKind) -> usize {
    match (sink, engine) {
        (SinkKind::Kafka, EngineKind::Consumer) => 2,
        (SinkKind::Kafka, EngineKind::Flink) => 3,
        (SinkKind::ForeachBatch | SinkKind::Bigquery, _) => 2,
        _ => 1,
    }
}

fn gen_bigquery(rng: &mut ChaCha8Rng, engine_kind: EngineKind, source_ok: bool) -> Sink {
    let beam = engine_kind == EngineKind::Beam;
    let st = pick(
        rng,
        &[
            StreamType::Default,
            StreamType::Committed,
            StreamType::Committed,
            StreamType::Pending,
            StreamType::Buffered,
        ],
    );
    match st {
        StreamType::Default => Sink::Bigquery {
            stream_type: rng.random_bool(0.5).then_some(StreamType::Default),
            offsets: None,
            stream: None,
            batch_commit: None,
            finalize_on_drain: None,
        },
        StreamType::Committed => {
            let scope = pick(rng, &[StreamScope::Shared, StreamScope::PerBatch]);
            let mut offs = vec![Offsets::None, Offsets::Writer];
            if scope == StreamScope::Shared {
                if source_ok {
                    offs.extend([Offsets::Source, Offsets::Source]);
                }
                if beam {
                    offs.extend([Offsets::State, Offsets::State]);
                }
            }
            Sink::Bigquery {
                stream_type: Some(st),
                offsets: Some(pick(rng, &offs)),
                stream: Some(scope),
                batch_commit: (scope == StreamScope::PerBatch && rng.random_bool(0.5))
                    .then(|| rng.random_bool(0.5)),
                finalize_on_drain: (scope == StreamScope::Shared && rng.random_bool(0.3))
                    .then_some(true),
            }
        }
        StreamType::Pending => Sink::Bigquery {
            stream_type: Some(st),
            offsets: Some(pick(rng, &[Offsets::None, Offsets::Writer])),
            stream: None,
            batch_commit: None,
            finalize_on_drain: None,
        },
        StreamType::Buffered => {
            let mut offs = vec![Offsets::None, Offsets::Writer];
            if source_ok {
                offs.push(Offsets::Source);
            }
            if beam {
                offs.push(Offsets::State);
            }
            Sink::Bigquery {
                stream_type: Some(st),
                offsets: Some(pick(rng, &offs)),
                stream: None,
                batch_commit: None,
                finalize_on_drain: rng.random_bool(0.3).then_some(true),
            }
        }
    }
}

fn gen_fault(rng: &mut ChaCha8Rng, sc: &Scenario, taken: &mut Vec<(u64, u32)>) -> Option<Fault> {
    let steps = sc.steps();
    let n = sc.workload.records as u64;
    let max_batch = n.div_ceil(sc.workload.batch_size as u64) + 1;
    let batch = rng.random_range(0..max_batch);
    let attempt = if rng.random_bool(0.8) { 1 } else { 2 };
    let applies = |k: FaultKind| k.applies_to(&sc.source, &sc.engine, &sc.sink).is_ok();
    let lost_ok = applies(FaultKind::LostAck);
    let delete_ok = applies(FaultKind::DeleteCheckpoint);
    let zombie_ok =
        applies(FaultKind::Zombie) && !sc.faults.iter().any(|f| matches!(f, Fault::Zombie { .. }));
    let free = !taken.contains(&(batch, attempt));
    let kind = rng.random_range(0..7);
    let f = match kind {
        0 | 1 if free => Fault::Crash {
            batch,
            attempt,
            after: pick(rng, &steps),
            downtime: pick(rng, &[1, 1, 5, 70]),
        },
        2 if free => Fault::CrashMidWrite {
            batch,
            attempt,
            after_records: rng.random_range(1..4),
            downtime: 1,
        },
        3 if lost_ok => Fault::LostAck {
            batch,
            attempt,
            request: rng.random_range(0..4),
        },
        4 if delete_ok => Fault::DeleteCheckpoint {
            before_restart: rng.random_range(1..3),
        },
        5 if zombie_ok && free => Fault::Zombie {
            batch,
            attempt,
            after: pick(rng, &steps),
            downtime: 1,
        },
        6 if applies(FaultKind::Republish) => {
            let r = rng.random_range(0..n);
            let a = rng.random_range(r..n);
            Fault::Republish {
                record: record_id(r as usize),
                after: Some(record_id(a as usize)),
                event_time: rng.random_bool(0.3).then(|| rng.random_range(0..n + 3)),
            }
        }
        _ => Fault::Pause {
            batch,
            attempt,
            after: pick(rng, &steps),
            ticks: pick(rng, &[1, 5, 15, 70]),
        },
    };
    if matches!(
        f,
        Fault::Crash { .. } | Fault::CrashMidWrite { .. } | Fault::Zombie { .. }
    ) {
        taken.push((batch, attempt));
    }
    Some(f)
}
