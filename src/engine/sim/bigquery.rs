//! The BigQuery Storage Write API sink: write streams of four types, offsets, flush,
//! finalize, batch commit (semantics §6).

use super::narration::list_ids;
use super::process::{Ctx, Inst, StepRes};
use super::Sim;
use crate::engine::outcome::StreamState;
use crate::engine::scenario::{record_id, Offsets, SinkCfg, Step, StreamScope, StreamType};
use crate::engine::trace::{Change, EventKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StreamSt {
    Active,
    Finalized,
    Committed,
}

impl StreamSt {
    fn name(self) -> &'static str {
        match self {
            StreamSt::Active => "active",
            StreamSt::Finalized => "finalized",
            StreamSt::Committed => "committed",
        }
    }
}

/// A write stream.
#[derive(Clone, Debug)]
pub(super) struct BqStream {
    /// `_default`, or `s1`, `s2`, … in creation order.
    pub(super) name: String,
    pub(super) stype: StreamType,
    pub(super) state: StreamSt,
    /// Its rows in offset order (indices into the sink table); the stream ends at their count.
    pub(super) rows: Vec<usize>,
    /// buffered: rows below this offset were flushed (visible).
    pub(super) flushed: u64,
}

/// The table's write streams.
#[derive(Default)]
pub(super) struct Bigquery {
    /// Every stream, in creation order.
    pub(super) streams: Vec<BqStream>,
    /// The `_default` stream, once used.
    pub(super) default_stream: Option<usize>,
    /// `stream: shared`: the one stream every batch appends to, once created.
    pub(super) shared_stream: Option<usize>,
}

impl Bigquery {
    /// The streams for `final_state.sink`: the default stream first, then the others in
    /// creation order.
    pub(super) fn final_streams(&self) -> Vec<StreamState> {
        let mut order: Vec<usize> = Vec::new();
        if let Some(d) = self.default_stream {
            order.push(d);
        }
        order.extend((0..self.streams.len()).filter(|i| Some(*i) != self.default_stream));
        order
            .into_iter()
            .map(|i| {
                let s = &self.streams[i];
                StreamState {
                    name: s.name.clone(),
                    stream_type: match s.stype {
                        StreamType::Default => "default",
                        StreamType::Committed => "committed",
                        StreamType::Pending => "pending",
                        StreamType::Buffered => "buffered",
                    }
                    .into(),
                    state: s.state.name().into(),
                    end: s.rows.len() as u64,
                    flushed: (s.stype == StreamType::Buffered).then_some(s.flushed),
                }
            })
            .collect()
    }
}

impl Sim<'_> {
    /// CreateWriteStream.
    fn new_stream(&mut self, stype: StreamType) -> usize {
        let streams = &mut self.bigquery.streams;
        let created = streams.iter().filter(|s| s.name != "_default").count();
        streams.push(BqStream {
            name: format!("s{}", created + 1),
            stype,
            state: StreamSt::Active,
            rows: Vec::new(),
            flushed: 0,
        });
        streams.len() - 1
    }

    pub(super) fn stream_change(&self, si: usize) -> Vec<Change> {
        if !self.narration.on {
            return Vec::new();
        }
        let s = &self.bigquery.streams[si];
        vec![Change::Stream {
            name: s.name.clone(),
            state: s.state.name().into(),
            end: s.rows.len() as u64,
            flushed: (s.stype == StreamType::Buffered).then_some(s.flushed),
        }]
    }

    /// The stream a row of `ctx` is appended to (created on first use).
    fn bq_stream(
        &mut self,
        ctx: &mut Ctx,
        stream_type: StreamType,
        stream: StreamScope,
        changes: &mut Vec<Change>,
    ) -> usize {
        if stream_type == StreamType::Default {
            match self.bigquery.default_stream {
                Some(s) => s,
                None => {
                    self.bigquery.streams.push(BqStream {
                        name: "_default".into(),
                        stype: StreamType::Default,
                        state: StreamSt::Active,
                        rows: Vec::new(),
                        flushed: 0,
                    });
                    let s = self.bigquery.streams.len() - 1;
                    self.bigquery.default_stream = Some(s);
                    s
                }
            }
        } else if stream == StreamScope::Shared {
            match self.bigquery.shared_stream {
                Some(s) => s,
                None => {
                    let s = self.new_stream(stream_type);
                    self.bigquery.shared_stream = Some(s);
                    if self.narration.on {
                        changes.extend(self.stream_change(s));
                    }
                    s
                }
            }
        } else {
            match ctx.stream {
                Some(s) => s,
                None => {
                    let s = self.new_stream(stream_type);
                    ctx.stream = Some(s);
                    if self.narration.on {
                        changes.extend(self.stream_change(s));
                    }
                    s
                }
            }
        }
    }

    /// The offset AppendRows of the record at `pos` on stream `si` gives, if any.
    fn append_offset(
        &self,
        inst: &mut Inst,
        ctx: &mut Ctx,
        offsets: Offsets,
        si: usize,
        pos: u64,
    ) -> Option<u64> {
        match offsets {
            Offsets::None => None,
            Offsets::Source => Some(pos),
            Offsets::Writer => Some(*inst.stream_offsets.get_or_insert_with(si, || 0)),
            Offsets::State => {
                if ctx.state_offset.is_none() {
                    ctx.state_offset = Some(self.progress.beam.next_stream_offset);
                }
                ctx.state_offset
            }
        }
    }

    /// AppendRows of the record at `pos`; with `lost_ack` the response is lost and the
    /// client retries.
    pub(super) fn bq_append(
        &mut self,
        inst: &mut Inst,
        ctx: &mut Ctx,
        pos: u64,
        lost_ack: bool,
        changes: &mut Vec<Change>,
        notes: &mut Vec<String>,
    ) {
        let SinkCfg::Bigquery {
            stream_type,
            offsets,
            stream,
            ..
        } = self.sink_cfg
        else {
            return;
        };
        let si = self.bq_stream(ctx, stream_type, stream, changes);
        if stream_type != StreamType::Default {
            ctx.stream = Some(si);
        }
        let offset = self.append_offset(inst, ctx, offsets, si, pos);
        let rec = self.rec(pos);
        let name = self.bigquery.streams[si].name.clone();
        let end = self.bigquery.streams[si].rows.len() as u64;
        let result: Result<(), &'static str> =
            if self.bigquery.streams[si].state != StreamSt::Active {
                Err("STREAM_FINALIZED")
            } else {
                match offset {
                    None => Ok(()),
                    Some(o) if o == end => Ok(()),
                    Some(o) if o < end => Err("ALREADY_EXISTS"),
                    Some(_) => Err("OUT_OF_RANGE"),
                }
            };
        match result {
            Ok(()) => {
                let visible = matches!(stream_type, StreamType::Default | StreamType::Committed);
                let r = self.add_row(pos, visible, true);
                self.bigquery.streams[si].rows.push(r);
                ctx.written.push(r);
                advance_offset(inst, ctx, offsets, si);
                if self.narration.on {
                    changes.push(self.row_change(r, pos, inst, ctx, name.clone()));
                }
                if lost_ack {
                    match offset {
                        Some(o) => {
                            self.step_error(
                inst,
                ctx,
                Step::SinkWrite,
                "ALREADY_EXISTS",
                                Some(rec),
                                txt!(
                                    self,
                                    "The response to AppendRows of {} was lost; the client retries it at offset {o}, which now exists: ALREADY_EXISTS, treated as success.",
                                    record_id(rec)
                                ),
                            );
                        }
                        None => {
                            let r2 = self.add_row(pos, visible, true);
                            self.bigquery.streams[si].rows.push(r2);
                            ctx.written.push(r2);
                            if self.narration.on {
                                changes.push(self.row_change(r2, pos, inst, ctx, name.clone()));
                                notes.push(txt!(
                                    self,
                                    "The response to AppendRows of {} was lost; the retry has no offset, so the row is appended a second time.",
                                    record_id(rec)
                                ));
                            }
                        }
                    }
                }
                if self.narration.on {
                    changes.extend(self.stream_change(si));
                }
            }
            Err(code) => {
                if code == "ALREADY_EXISTS" {
                    advance_offset(inst, ctx, offsets, si);
                }
                self.bq_rejected(inst, ctx, rec, code, offset, &name, end);
            }
        }
    }

    /// AppendRows of `rec` was rejected with `code` (the stream `name` ends at `end`).
    #[allow(clippy::too_many_arguments)]
    fn bq_rejected(
        &mut self,
        inst: &Inst,
        ctx: &Ctx,
        rec: usize,
        code: &'static str,
        offset: Option<u64>,
        name: &str,
        end: u64,
    ) {
        let off_txt = || {
            offset.map_or("without an offset".to_string(), |o| {
                format!("at offset {o}")
            })
        };
        let text = match code {
            "ALREADY_EXISTS" => txt!(
                self,
                "AppendRows of {} {} on {name}: ALREADY_EXISTS (the stream already holds {end} rows). The writer treats it as success and moves on.",
                record_id(rec),
                off_txt()
            ),
            "OUT_OF_RANGE" => txt!(
                self,
                "AppendRows of {} {} on {name}: OUT_OF_RANGE (the stream ends at {end}); the row is not written.",
                record_id(rec),
                off_txt()
            ),
            _ => txt!(
                self,
                "AppendRows of {} on {name}: STREAM_FINALIZED; the stream takes no more rows and the row is not written.",
                record_id(rec)
            ),
        };
        self.step_error(inst, ctx, Step::SinkWrite, code, Some(rec), text);
    }

    /// The sink_commit step: FlushRows (buffered), FinalizeWriteStream +
    /// BatchCommitWriteStreams (pending), FinalizeWriteStream (committed per batch).
    pub(super) fn bq_commit(&mut self, inst: &Inst, ctx: &Ctx) -> StepRes {
        let step = Step::SinkCommit;
        let SinkCfg::Bigquery {
            stream_type,
            batch_commit,
            ..
        } = self.sink_cfg
        else {
            return StepRes::Ok;
        };
        let Some(si) = ctx.stream else {
            let text = txt!(
                self,
                "No rows were appended, so there is nothing to finalize, commit or flush."
            );
            self.skip_event(inst, ctx, step, text);
            return StepRes::Ok;
        };
        match stream_type {
            StreamType::Buffered => {
                let end = self.bigquery.streams[si].rows.len() as u64;
                let s = &self.bigquery.streams[si];
                if end == 0 || s.flushed >= end {
                    let text = txt!(
                        self,
                        "FlushRows is skipped: {} has nothing new to flush.",
                        s.name
                    );
                    self.skip_event(inst, ctx, step, text);
                } else {
                    let from = s.flushed as usize;
                    let rows: Vec<usize> = s.rows[from..].to_vec();
                    self.bigquery.streams[si].flushed = end;
                    let mut ch = self.commit_rows(&rows).into_iter().collect::<Vec<_>>();
                    ch.extend(self.stream_change(si));
                    let recs: Vec<usize> =
                        rows.iter().map(|r| self.table.rows[*r].record).collect();
                    let text = txt!(
                        self,
                        "FlushRows(offset {}) on {} makes every row up to that offset visible: {}.",
                        end - 1,
                        self.bigquery.streams[si].name,
                        list_ids(&recs)
                    );
                    self.step_event(inst, ctx, step, Vec::new(), ch, text);
                }
            }
            StreamType::Pending => {
                self.bigquery.streams[si].state = StreamSt::Committed;
                let rows = self.bigquery.streams[si].rows.clone();
                let mut ch = self.commit_rows(&rows).into_iter().collect::<Vec<_>>();
                ch.extend(self.stream_change(si));
                let text = txt!(
                    self,
                    "FinalizeWriteStream + BatchCommitWriteStreams on {}: its rows become visible atomically.",
                    self.bigquery.streams[si].name
                );
                self.step_event(inst, ctx, step, Vec::new(), ch, text);
            }
            // committed per_batch (a default stream has no sink_commit step).
            StreamType::Committed | StreamType::Default => {
                // Finalize, then maybe BatchCommit → INVALID_STREAM_TYPE
                if self.bigquery.streams[si].state == StreamSt::Active {
                    self.bigquery.streams[si].state = StreamSt::Finalized;
                }
                let ch = self.stream_change(si);
                let name = self.bigquery.streams[si].name.clone();
                let text = txt!(
                    self,
                    "FinalizeWriteStream on {name}: its rows were visible since their append."
                );
                self.step_event(inst, ctx, step, Vec::new(), ch, text);
                if batch_commit {
                    self.step_error(
                inst,
                ctx,
                Step::SinkCommit,
                "INVALID_STREAM_TYPE",
                        None,
                        txt!(
                            self,
                            "BatchCommitWriteStreams on {name}: INVALID_STREAM_TYPE — only PENDING streams can be batch-committed; the rows stay visible anyway."
                        ),
                    );
                }
            }
        }
        StepRes::Ok
    }

    /// `finalize_on_drain`: the drained pipeline finalizes the shared stream.
    pub(super) fn finalize_on_drain(&mut self, inst: &Inst) {
        if let SinkCfg::Bigquery {
            finalize_on_drain: true,
            ..
        } = self.sink_cfg
        {
            if let Some(si) = self.bigquery.shared_stream {
                if self.bigquery.streams[si].state == StreamSt::Active {
                    self.bigquery.streams[si].state = StreamSt::Finalized;
                    let ch = self.stream_change(si);
                    let name = self.bigquery.streams[si].name.clone();
                    self.emit(
                        Some(inst),
                        EventKind::Step,
                        None,
                        None,
                        Vec::new(),
                        ch,
                        txt!(
                            self,
                            "The pipeline drains and calls FinalizeWriteStream on {name}: no more appends are accepted."
                        ),
                    );
                }
            }
        }
    }
}

/// The writer's next offset moves past a row the stream holds (appended or already there).
fn advance_offset(inst: &mut Inst, ctx: &mut Ctx, offsets: Offsets, si: usize) {
    match offsets {
        Offsets::Writer => {
            *inst.stream_offsets.get_or_insert_with(si, || 0) += 1;
        }
        Offsets::State => {
            if let Some(o) = ctx.state_offset.as_mut() {
                *o += 1;
            }
        }
        Offsets::None | Offsets::Source => {}
    }
}
