//! Every candidate of the next dose and interval judged over every posterior draw, at the
//! cost of a few. Three things make the whole grid affordable:
//!
//! - **The history is integrated once per draw.** Candidates differ only from their first new
//!   session on, so each draw's compartments are integrated to the day of the plan's last
//!   injection once, continued from there to each interval's first new session once per
//!   interval, and only the candidate's own sessions are integrated per candidate
//!   ([`crate::solve::Start`]; every continuation starts on a dose day, so each candidate's
//!   states are bit-identical to integrating its whole plan).
//! - **Targets that do not touch each other are judged apart.** A goal reads the compartments
//!   of its area (or the masseters); the doses of a target whose injections (and their
//!   spread to the anatomy's neighbours) reach none of those compartments cannot change it.
//!   Targets are joined into clusters when one's doses reach another's goal compartments; each
//!   cluster's dose combinations are judged for each interval, and a whole candidate's goals
//!   are its clusters' (11 + 11 runs per interval instead of 11 x 11 for two apart targets).
//!   Neutralising antibodies could couple all targets (a session's units decide the
//!   neutralised share of later ones): the grid is used only when no candidate has any new
//!   session neutralised, checked on the candidate with the most units of each interval.
//! - **Vector lanes stay full**: a draw's runs are integrated together.
//!
//! The choice is then the exact minimum of the expected loss over the whole grid (every
//! combination of the targets' dose scales and every interval), with the same tie-breaks as
//! before (fewer units a year, then the longer interval). When a condition above fails (a
//! plan whose last injection is not on a whole day, antibodies neutralising new sessions, or
//! more than [`MOST_CANDIDATES`] combinations) the caller falls back to the coordinate search.

use super::individual::IndividualModel;
use super::optimise::{better, continued, judged, Goals, Judged};
use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::engine::Model;
use crate::metrics;
use crate::model::{index, Parameters, State};
use crate::plan::{Injection, Plan};
use crate::simulation::{
    compartment_doses_above, muscle_parameters, plan_immunity, CompartmentDoses, NEGLIGIBLE_UNITS,
};
use crate::solve::{integrate_many, Dose, Problem, SolverOptions, Start, Trajectory};
use rayon::prelude::*;

/// Most whole candidates (combinations of dose scales and intervals) the exact search
/// compares; beyond it the coordinate search is used.
pub const MOST_CANDIDATES: usize = 50_000;
/// Draws integrated together for the history and interval stages (full vector lanes).
const DRAWS_PER_CHUNK: usize = 8;

/// One goal of the loss, in the order of the loss's terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    Severity(&'static str),
    VolumeFloor(f64),
    Slimming(f64),
}

/// The goals asked for, in the order `optimise::judge` counts them.
pub fn goal_list(plan: &Plan, goals: &Goals) -> Vec<Goal> {
    let mut list = Vec::new();
    if goals.severity_target.is_some() {
        for area in crate::metrics::treated_areas(plan) {
            list.push(Goal::Severity(area));
        }
    }
    let masseter = Anatomy::get().index_of("masseter");
    if plan.injections.iter().any(|i| Some(i.muscle) == masseter) {
        if let Some(floor) = goals.volume_floor {
            list.push(Goal::VolumeFloor(floor));
        }
        if let Some(target) = goals.slimming_target {
            list.push(Goal::Slimming(target));
        }
    }
    list
}

/// The compartments (muscle, side) a goal reads, in the order it sums them.
fn goal_compartments(goal: &Goal) -> Vec<(MuscleId, Side)> {
    let anatomy = Anatomy::get();
    match goal {
        Goal::Severity(area) => anatomy
            .ids()
            .zip(&anatomy.muscles)
            .filter(|(_, m)| m.wrinkle_area.as_deref() == Some(*area))
            .flat_map(|(id, _)| Side::BOTH.map(|side| (id, side)))
            .collect(),
        Goal::VolumeFloor(_) | Goal::Slimming(_) => anatomy
            .index_of("masseter")
            .map(|m| Side::BOTH.map(|side| (m, side)).to_vec())
            .unwrap_or_default(),
    }
}

/// Targets judged together, with their goals and dose combinations.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Indices into the last session of the injections whose units this cluster sets.
    pub injections: Vec<usize>,
    /// Units of those injections: every combination of the targets' options.
    pub combinations: Vec<Vec<f64>>,
    /// Indices of its goals in [`goal_list`] order.
    pub goals: Vec<usize>,
}

/// The grid: clusters and intervals.
pub struct Grid<'a> {
    pub plan: &'a Plan,
    pub session: Vec<&'a Injection>,
    pub goals: Vec<Goal>,
    pub clusters: Vec<Cluster>,
    pub intervals: Vec<f64>,
    /// The whole candidates: the product of the clusters' combinations, times intervals.
    pub candidates: usize,
}

/// Whether the doses of session injection `injection` can reach compartment `(muscle, side)`:
/// injected there, or a neighbour its spread reaches.
fn reaches(injection: &Injection, muscle: MuscleId, side: Side) -> bool {
    let anatomy = Anatomy::get();
    injection.site.shares().iter().any(|&(injected_side, _)| {
        (injection.muscle == muscle && injected_side == side)
            || anatomy
                .muscle(injection.muscle)
                .neighbours
                .iter()
                .any(|neighbour| {
                    let neighbour_side = match neighbour.side {
                        crate::anatomy::NeighbourSide::Same => injected_side,
                        crate::anatomy::NeighbourSide::Opposite => injected_side.opposite(),
                    };
                    anatomy.index_of(&neighbour.muscle) == Some(muscle) && neighbour_side == side
                })
    })
}

impl<'a> Grid<'a> {
    /// The grid of `options[g]` (units of target `g`'s injections, per option) for every
    /// target, with the session's injections' targets `group_of`; `None` when the exact
    /// search does not apply (see the module header).
    pub fn new(
        plan: &'a Plan,
        session: Vec<&'a Injection>,
        group_of: &[usize],
        options: &[Vec<Vec<f64>>],
        intervals: &[f64],
        goals: &Goals,
    ) -> Option<Grid<'a>> {
        let last = plan.injections.last()?.day;
        if last.fract() != 0.0 || last < 0.0 {
            return None;
        }
        let goal_list = goal_list(plan, goals);
        let groups = options.len();
        // Clusters: targets joined when one's injections reach a compartment another's goal
        // reads (union-find over targets; a goal joins every target reaching it).
        let mut parent: Vec<usize> = (0..groups).collect();
        fn root(parent: &mut [usize], mut g: usize) -> usize {
            while parent[g] != g {
                g = parent[g];
            }
            g
        }
        let reaching: Vec<Vec<usize>> = goal_list
            .iter()
            .map(|goal| {
                let mut targets: Vec<usize> = session
                    .iter()
                    .zip(group_of)
                    .filter(|(injection, _)| {
                        goal_compartments(goal)
                            .iter()
                            .any(|&(m, s)| reaches(injection, m, s))
                    })
                    .map(|(_, &g)| g)
                    .collect();
                targets.sort_unstable();
                targets.dedup();
                targets
            })
            .collect();
        for targets in &reaching {
            for pair in targets.windows(2) {
                let (a, b) = (root(&mut parent, pair[0]), root(&mut parent, pair[1]));
                parent[a.max(b)] = a.min(b);
            }
        }
        let roots: Vec<usize> = (0..groups).map(|g| root(&mut parent, g)).collect();
        let cluster_roots = {
            let mut r = roots.clone();
            r.sort_unstable();
            r.dedup();
            r
        };
        let mut clusters: Vec<Cluster> = cluster_roots
            .iter()
            .map(|&r| {
                let members: Vec<usize> = (0..groups).filter(|&g| roots[g] == r).collect();
                let injections: Vec<usize> = (0..session.len())
                    .filter(|&i| members.contains(&group_of[i]))
                    .collect();
                // Every combination of the members' options, the first member outermost.
                let mut combinations: Vec<Vec<f64>> = vec![vec![0.0; session.len()]];
                for &g in &members {
                    combinations = combinations
                        .iter()
                        .flat_map(|partial| {
                            options[g].iter().map(move |units| {
                                let mut next = partial.clone();
                                let mut k = 0;
                                for (i, &group) in group_of.iter().enumerate() {
                                    if group == g {
                                        next[i] = units[k];
                                        k += 1;
                                    }
                                }
                                next
                            })
                        })
                        .collect();
                }
                Cluster {
                    combinations: combinations
                        .into_iter()
                        .map(|units| injections.iter().map(|&i| units[i]).collect())
                        .collect(),
                    injections,
                    goals: Vec::new(),
                }
            })
            .collect();
        for (j, targets) in reaching.iter().enumerate() {
            match targets.first() {
                Some(&g) => {
                    let r = root(&mut parent, g);
                    let k = cluster_roots.iter().position(|&c| c == r)?;
                    clusters[k].goals.push(j);
                }
                // A goal no session dose reaches: judged once per interval.
                None => clusters.push(Cluster {
                    injections: Vec::new(),
                    combinations: vec![Vec::new()],
                    goals: vec![j],
                }),
            }
        }
        let candidates = clusters
            .iter()
            .try_fold(intervals.len(), |n, c| n.checked_mul(c.combinations.len()))?;
        if candidates > MOST_CANDIDATES {
            return None;
        }
        let grid = Grid {
            plan,
            session,
            goals: goal_list,
            clusters,
            intervals: intervals.to_vec(),
            candidates,
        };
        // Antibodies: no new session of any candidate neutralised (the candidate with the
        // most units of each interval converts first), nor the single sessions the
        // candidates' doses are made from.
        let most: Vec<f64> = (0..grid.session.len())
            .map(|i| {
                grid.clusters
                    .iter()
                    .filter_map(|c| {
                        let k = c.injections.iter().position(|&x| x == i)?;
                        c.combinations.iter().map(|u| u[k]).max_by(f64::total_cmp)
                    })
                    .fold(grid.session[i].units, f64::max)
            })
            .collect();
        for &interval in &grid.intervals {
            let (candidate, _) = continued(plan, &most, interval, goals.horizon_days as f64);
            let course = plan_immunity(&candidate);
            if candidate.injections[plan.injections.len()..]
                .iter()
                .any(|i| course.neutralised_on(i.day) != 0.0)
            {
                return None;
            }
        }
        let everything: Vec<usize> = (0..grid.session.len()).collect();
        let course = plan_immunity(&grid.one_session(plan, &everything, &most));
        if course.neutralised_fraction.iter().any(|&f| f != 0.0) {
            return None;
        }
        Some(grid)
    }

    /// The plan of one new session: the session's injections `which` with `units`, on the
    /// plan's last day (the day is replaced where the session is used).
    fn one_session(&self, patient: &Plan, which: &[usize], units: &[f64]) -> Plan {
        let mut plan = patient.clone();
        plan.injections = which
            .iter()
            .zip(units)
            .map(|(&i, &u)| {
                let mut next = self.session[i].clone();
                next.equivalent_units =
                    self.session[i].equivalent_units * u / self.session[i].units;
                next.units = u;
                next
            })
            .collect();
        plan
    }

    /// The new sessions' days of `interval` (as `optimise::continued` places them).
    fn session_days(&self, interval: f64, horizon: f64) -> Vec<f64> {
        let last = self.plan.injections.last().map_or(0.0, |i| i.day);
        let mut days = Vec::new();
        let mut day = last + interval;
        while day < last + horizon {
            days.push(day);
            day += interval;
        }
        days
    }

    /// The best whole candidate (the least expected loss, then the fewest units a year, then
    /// the longer interval; the first in the grid's order among equals) from the clusters'
    /// counts over `draws` draws: `(units of the session's injections, interval, judged)`.
    /// Units of injections no cluster sets stay at `base`.
    pub fn best(
        &self,
        counts: &[Vec<Vec<Vec<f64>>>],
        draws: usize,
        goals: &Goals,
        base: &[f64],
    ) -> (Vec<f64>, f64, Judged) {
        let n = draws.max(1) as f64;
        let mut best: Option<(Vec<f64>, f64, Judged)> = None;
        for (i, &interval) in self.intervals.iter().enumerate() {
            // An odometer over the clusters' combinations (the last cluster fastest).
            let mut choice = vec![0usize; self.clusters.len()];
            loop {
                let mut units = base.to_vec();
                let mut met = vec![0.0; self.goals.len()];
                for (k, cluster) in self.clusters.iter().enumerate() {
                    for (&injection, &u) in cluster
                        .injections
                        .iter()
                        .zip(&cluster.combinations[choice[k]])
                    {
                        units[injection] = u;
                    }
                    for (g, &j) in cluster.goals.iter().enumerate() {
                        met[j] = counts[k][choice[k]][i][g] / n;
                    }
                }
                let candidate = judged(self.plan, goals, &units, interval, met);
                if best
                    .as_ref()
                    .is_none_or(|(_, d, b)| better(&candidate, b, interval, *d))
                {
                    best = Some((units, interval, candidate));
                }
                let mut k = self.clusters.len();
                while k > 0 {
                    k -= 1;
                    choice[k] += 1;
                    if choice[k] < self.clusters[k].combinations.len() {
                        break;
                    }
                    choice[k] = 0;
                }
                if choice.iter().all(|&c| c == 0) {
                    break;
                }
            }
        }
        best.expect("the grid has at least one candidate")
    }

    /// A candidate of the grid judged from the clusters' counts; `None` when it is not in
    /// the grid.
    pub fn judged(
        &self,
        counts: &[Vec<Vec<Vec<f64>>>],
        draws: usize,
        goals: &Goals,
        units: &[f64],
        interval: f64,
    ) -> Option<Judged> {
        let i = self.intervals.iter().position(|&d| d == interval)?;
        let mut met = vec![0.0; self.goals.len()];
        for (k, cluster) in self.clusters.iter().enumerate() {
            let own: Vec<f64> = cluster.injections.iter().map(|&x| units[x]).collect();
            let m = cluster.combinations.iter().position(|c| *c == own)?;
            for (g, &j) in cluster.goals.iter().enumerate() {
                met[j] = counts[k][m][i][g] / draws.max(1) as f64;
            }
        }
        Some(judged(self.plan, goals, units, interval, met))
    }

    /// Per cluster, per combination, per interval, per goal of the cluster: the draws (with
    /// their multiplicity) meeting it. Deterministic whatever the thread count: each draw's
    /// indicators are computed alone and summed in draw order.
    pub fn met_counts(
        &self,
        model: &Model,
        individual: &IndividualModel,
        draws: &[Vec<f64>],
        goals: &Goals,
    ) -> Vec<Vec<Vec<Vec<f64>>>> {
        // Resampled draws repeat (adjacent): each distinct draw once, counted as often.
        let mut distinct: Vec<(&[f64], f64)> = Vec::new();
        for draw in draws {
            match distinct.last_mut() {
                Some((d, n)) if *d == &draw[..] => *n += 1.0,
                _ => distinct.push((draw, 1.0)),
            }
        }
        let per_draw: Vec<Vec<Vec<u8>>> = distinct
            .par_chunks(DRAWS_PER_CHUNK)
            .flat_map_iter(|chunk| self.chunk_indicators(model, individual, chunk, goals))
            .collect();
        let mut counts: Vec<Vec<Vec<Vec<f64>>>> = self
            .clusters
            .iter()
            .map(|c| {
                vec![vec![vec![0.0; c.goals.len()]; self.intervals.len()]; c.combinations.len()]
            })
            .collect();
        for ((_, multiplicity), indicators) in distinct.iter().zip(&per_draw) {
            let mut bits = indicators.iter();
            for cluster in counts.iter_mut() {
                for combination in cluster.iter_mut() {
                    for interval in combination.iter_mut() {
                        let met = bits.next().expect("one indicator list per run");
                        for (count, &m) in interval.iter_mut().zip(met) {
                            *count += multiplicity * f64::from(m);
                        }
                    }
                }
            }
        }
        counts
    }

    /// The goal indicators of a few draws: per draw, per (cluster, combination, interval).
    ///
    /// A compartment's integration is cut only on its own dose days, so that every piece
    /// continues bit-identically: at the last injection day when that session doses it
    /// (else its history runs from day 0), and at an interval's first new session when the
    /// candidate's sessions dose it (else its history runs on to the horizon's end, the same
    /// for every candidate).
    fn chunk_indicators(
        &self,
        model: &Model,
        individual: &IndividualModel,
        chunk: &[(&[f64], f64)],
        goals: &Goals,
    ) -> Vec<Vec<Vec<u8>>> {
        let options = SolverOptions::default();
        let horizon = goals.horizon_days as f64;
        let last = self.plan.injections.last().map_or(0.0, |i| i.day);
        let first = last as usize;
        let days = first + goals.horizon_days;
        let session_days: Vec<Vec<f64>> = self
            .intervals
            .iter()
            .map(|&interval| self.session_days(interval, horizon))
            .collect();
        let prepared: Vec<DrawRuns> = chunk
            .iter()
            .map(|(z, _)| self.prepare(model, individual, z, last, &session_days))
            .collect();
        // The history to the last injection day, of the compartments that session doses.
        let mut problems = Vec::new();
        let mut owners = Vec::new();
        for (d, p) in prepared.iter().enumerate() {
            for &c in p.unique.iter().filter(|&&c| p.cut_at_last[c]) {
                problems.push(p.problem(c, &p.history[c].doses, None));
                owners.push((d, c));
            }
        }
        let count = Anatomy::get().compartment_count();
        let mut histories: Vec<Vec<Option<Trajectory>>> =
            prepared.iter().map(|_| vec![None; count]).collect();
        for ((d, c), run) in owners
            .drain(..)
            .zip(integrate_many(&problems, first + 1, &options))
        {
            histories[d][c] = Some(run);
        }
        // The start of a compartment's run on from the last injection day.
        let start_of = |d: usize, c: usize| {
            histories[d][c]
                .as_ref()
                .map(|h| Start::from_state(first, &h.states[first]))
        };
        // Each interval's stretch to its first new session, of the compartments it doses.
        let mut stretches: Vec<Vec<Vec<Option<Trajectory>>>> = Vec::new();
        for (i, &interval) in self.intervals.iter().enumerate() {
            let t = first + interval as usize;
            let mut problems = Vec::new();
            if t < days && !session_days[i].is_empty() {
                for (d, p) in prepared.iter().enumerate() {
                    for &c in p.unique.iter().filter(|&&c| p.dosed_later[c]) {
                        problems.push(p.problem(c, &p.history[c].doses, start_of(d, c)));
                        owners.push((d, c));
                    }
                }
            }
            let mut runs: Vec<Vec<Option<Trajectory>>> =
                prepared.iter().map(|_| vec![None; count]).collect();
            for ((d, c), run) in owners
                .drain(..)
                .zip(integrate_many(&problems, t + 1, &options))
            {
                runs[d][c] = Some(run);
            }
            stretches.push(runs);
        }
        // The history on to the horizon's end, of every compartment (some candidate, or
        // some interval, may leave it without new doses).
        let mut problems = Vec::new();
        for (d, p) in prepared.iter().enumerate() {
            for &c in &p.unique {
                problems.push(p.problem(c, &p.history[c].doses, start_of(d, c)));
                owners.push((d, c));
            }
        }
        let mut untouched: Vec<Vec<Option<Trajectory>>> =
            prepared.iter().map(|_| vec![None; count]).collect();
        for ((d, c), run) in owners
            .drain(..)
            .zip(integrate_many(&problems, days, &options))
        {
            untouched[d][c] = Some(run);
        }
        // The states of compartment `c` of draw `d` on days `from..=to` (from `first`) that
        // do not depend on the candidate: its history (to the first new session when the
        // candidate doses it, `stretch` of interval `i`; else to the horizon's end).
        let history_days = |d: usize, c: usize, dosed: Option<usize>, from: usize, to: usize| {
            let piece = match dosed {
                Some(i) => stretches[i][d][c].as_ref().expect("dosed later"),
                None => untouched[d][c].as_ref().expect("simulated"),
            };
            // A piece cut at `first` holds days first + 1..; an uncut one days 0...
            let base = if prepared[d].cut_at_last[c] {
                first + 1
            } else {
                0
            };
            let mut out: Vec<&State> = Vec::with_capacity(to + 1 - from);
            for day in from..=to {
                if day == first && prepared[d].cut_at_last[c] {
                    out.push(&histories[d][c].as_ref().expect("cut").states[first]);
                } else {
                    out.push(&piece.states[day - base]);
                }
            }
            out
        };
        let mut indicators: Vec<Vec<Vec<Vec<Vec<u8>>>>> = prepared
            .iter()
            .map(|_| {
                self.clusters
                    .iter()
                    .map(|c| vec![vec![Vec::new(); self.intervals.len()]; c.combinations.len()])
                    .collect()
            })
            .collect();
        for (k, cluster) in self.clusters.iter().enumerate() {
            let goal_list: Vec<Goal> = cluster.goals.iter().map(|&j| self.goals[j]).collect();
            for (i, &interval) in self.intervals.iter().enumerate() {
                let t = first + interval as usize;
                let sessions_on = !session_days[i].is_empty() && t < days;
                // Every run of this cluster and interval: its tallies, and per compartment
                // its doses and where its next piece starts.
                struct Run {
                    d: usize,
                    m: usize,
                    tallies: Vec<Tally>,
                    own: Vec<(usize, Vec<Dose>, Start)>,
                }
                let mut runs: Vec<Run> = Vec::new();
                for (d, p) in prepared.iter().enumerate() {
                    let compartments: Vec<usize> = p
                        .unique
                        .iter()
                        .copied()
                        .filter(|&c| p.cluster_of[c].contains(&k))
                        .collect();
                    let mut before: Vec<(Vec<bool>, Vec<usize>, Vec<Tally>)> = Vec::new();
                    for m in 0..cluster.combinations.len() {
                        let mut own = Vec::new();
                        for &c in &compartments {
                            let Some((one, _)) = p.sessions[k][m][c] else {
                                continue;
                            };
                            if !sessions_on {
                                continue;
                            }
                            let mut list = p.history[c].doses.clone();
                            list.extend(session_days[i].iter().map(|&day| Dose { day, ..one }));
                            let stretch = stretches[i][d][c].as_ref().expect("dosed later");
                            let base = if p.cut_at_last[c] { first + 1 } else { 0 };
                            own.push((c, list, Start::from_state(t, &stretch.states[t - base])));
                        }
                        let mut run = Run {
                            d,
                            m,
                            tallies: goal_list.iter().map(|g| Tally::new(g, goals)).collect(),
                            own,
                        };
                        // The days before the candidate's own sessions act: the same for the
                        // combinations that dose, and simulate, the same compartments.
                        let simulated: Vec<bool> = (0..count)
                            .map(|c| {
                                p.cluster_of[c].contains(&k) && p.present(k, m, c, &session_days[i])
                            })
                            .collect();
                        let dosed: Vec<usize> = run.own.iter().map(|o| o.0).collect();
                        if let Some((_, _, tallies)) = before
                            .iter()
                            .find(|(s, o, _)| *s == simulated && *o == dosed)
                        {
                            run.tallies = tallies.clone();
                        } else {
                            let end = if sessions_on { t } else { days - 1 };
                            let span = end + 1 - first;
                            self.feed(
                                &mut run.tallies,
                                &goal_list,
                                p,
                                k,
                                m,
                                &session_days[i],
                                goals,
                                span,
                                |c| {
                                    let dosed = run.own.iter().any(|o| o.0 == c).then_some(i);
                                    history_days(d, c, dosed, first, end)
                                },
                            );
                            before.push((simulated, dosed, run.tallies.clone()));
                        }
                        runs.push(run);
                    }
                }
                // The candidates' own sessions, one inter-session piece at a time (each cut on
                // a dose day), until every goal of the run is decided.
                let mut from = t;
                while sessions_on && from < days - 1 {
                    runs.retain(|run| {
                        if run.tallies.iter().all(Tally::decided) {
                            let bits = run.tallies.iter().map(Tally::met).collect();
                            indicators[run.d][k][run.m][i] = bits;
                            false
                        } else {
                            true
                        }
                    });
                    if runs.is_empty() {
                        break;
                    }
                    let to = (from + interval as usize).min(days - 1);
                    let problems: Vec<Problem> = runs
                        .iter()
                        .flat_map(|run| {
                            run.own.iter().map(|(c, list, start)| {
                                prepared[run.d].problem(*c, list, Some(*start))
                            })
                        })
                        .collect();
                    let pieces = integrate_many(&problems, to + 1, &options);
                    let mut pieces = pieces.iter();
                    for run in runs.iter_mut() {
                        let own_pieces: Vec<(usize, &Trajectory)> = run
                            .own
                            .iter()
                            .map(|o| (o.0, pieces.next().expect("one piece per compartment")))
                            .collect();
                        let d = run.d;
                        let p = &prepared[d];
                        self.feed(
                            &mut run.tallies,
                            &goal_list,
                            p,
                            k,
                            run.m,
                            &session_days[i],
                            goals,
                            to - from,
                            |c| match own_pieces.iter().find(|o| o.0 == c) {
                                Some((_, piece)) => piece.states.iter().collect(),
                                None => history_days(d, c, None, from + 1, to),
                            },
                        );
                        for (own, (_, piece)) in run.own.iter_mut().zip(&own_pieces) {
                            if let Some(state) = piece.states.last() {
                                own.2 = Start::from_state(to, state);
                            }
                        }
                    }
                    from = to;
                }
                for run in runs {
                    let bits = run.tallies.iter().map(Tally::met).collect();
                    indicators[run.d][k][run.m][i] = bits;
                }
            }
        }
        indicators
            .into_iter()
            .map(|per_cluster| per_cluster.into_iter().flatten().flatten().collect())
            .collect()
    }

    /// Feed the next days of a run to its goals' tallies: `states(c)` gives compartment `c`'s
    /// states on those days (every compartment the same days).
    #[allow(clippy::too_many_arguments)]
    fn feed<'s>(
        &self,
        tallies: &mut [Tally],
        goal_list: &[Goal],
        p: &DrawRuns,
        k: usize,
        m: usize,
        session_days: &[f64],
        goals: &Goals,
        span: usize,
        states: impl Fn(usize) -> Vec<&'s State>,
    ) {
        let anatomy = Anatomy::get();
        let daily = |muscle: MuscleId, side: Side| -> Option<Vec<&'s State>> {
            let c = Anatomy::compartment(muscle, side);
            let twin = p.twin_of[c]?;
            p.present(k, m, c, session_days).then(|| states(twin))
        };
        for (tally, goal) in tallies.iter_mut().zip(goal_list) {
            if tally.decided() {
                continue;
            }
            match *goal {
                Goal::Severity(area) => {
                    let strength = metrics::area_strength_from(span, area, |muscle, side| {
                        daily(muscle, side)
                            .map(|states| states.into_iter().map(|s| (s[index::B], s[index::M])))
                    });
                    let area_index = crate::plan::AREAS
                        .iter()
                        .position(|a| *a == area)
                        .expect("treated areas are scored");
                    let baseline = self.plan.patient.baseline_severity[area_index];
                    let target = goals.severity_target.unwrap_or(0.0) + 0.5;
                    let cut = metrics::SeverityCut::at_most(
                        baseline,
                        p.parameters.severity_exponent,
                        target,
                    );
                    for strength in strength {
                        tally.count(cut.below(strength));
                    }
                }
                Goal::VolumeFloor(_) | Goal::Slimming(_) => {
                    let masseter = anatomy.index_of("masseter");
                    let side = |side: Side| masseter.and_then(|m| daily(m, side));
                    let (left, right) = (side(Side::Left), side(Side::Right));
                    for day in 0..span {
                        let volume_of = |states: &Option<Vec<&State>>| {
                            states
                                .as_ref()
                                .map_or(1.0, |s| crate::model::volume(s[day]))
                        };
                        tally.volume((volume_of(&left) + volume_of(&right)) / 2.0);
                    }
                }
            }
        }
    }
}

/// How far a run has got on one goal, day by day, and whether the rest of the horizon can
/// still change it (then its integration may stop).
#[derive(Debug, Clone)]
struct Tally {
    goal: Goal,
    /// Days of the horizon seen, of `horizon`.
    seen: usize,
    horizon: usize,
    /// Severity: days controlled, and the fewest that meet the share.
    controlled: usize,
    needed: usize,
    /// Volume: the lowest so far and the last.
    lowest: f64,
    last: f64,
}

impl Tally {
    fn new(goal: &Goal, goals: &Goals) -> Tally {
        let horizon = goals.horizon_days;
        // `optimise::judge`'s test `controlled / horizon >= share`, as a count.
        let needed = (0..=horizon)
            .find(|&n| n as f64 / horizon as f64 >= goals.severity_share)
            .unwrap_or(horizon + 1);
        Tally {
            goal: *goal,
            seen: 0,
            horizon,
            controlled: 0,
            needed,
            lowest: f64::INFINITY,
            last: f64::NAN,
        }
    }

    fn count(&mut self, controlled: bool) {
        self.seen += 1;
        self.controlled += usize::from(controlled);
    }

    fn volume(&mut self, volume: f64) {
        self.seen += 1;
        self.lowest = self.lowest.min(volume);
        self.last = volume;
    }

    /// Whether the days still to come cannot change the outcome.
    fn decided(&self) -> bool {
        if self.seen >= self.horizon {
            return true;
        }
        match self.goal {
            Goal::Severity(_) => {
                self.controlled >= self.needed
                    || self.controlled + (self.horizon - self.seen) < self.needed
            }
            Goal::VolumeFloor(floor) => self.lowest < floor,
            Goal::Slimming(_) => false,
        }
    }

    /// Whether the goal is met (decided, or at the horizon's end).
    fn met(&self) -> u8 {
        u8::from(match self.goal {
            Goal::Severity(_) => self.controlled >= self.needed,
            Goal::VolumeFloor(floor) => self.lowest >= floor,
            Goal::Slimming(target) => self.last <= target,
        })
    }
}

/// Per combination of a cluster, per compartment: the merged dose one new session brings it,
/// and its units.
type ClusterSessions = Vec<Vec<Option<(Dose, f64)>>>;

/// One draw's inputs: its parameters, the doses of its history and of one new session of
/// every cluster's combination, per compartment, and which goal compartments are twins.
struct DrawRuns {
    parameters: Parameters,
    muscle_parameters: Vec<Parameters>,
    constants: Vec<crate::model::CompartmentConstants>,
    history: Vec<CompartmentDoses>,
    /// `[cluster][combination][compartment]`: the merged dose of one new session reaching
    /// the compartment, and its units.
    sessions: Vec<ClusterSessions>,
    /// The goal compartments integrated (one of each set of twins with identical inputs).
    unique: Vec<usize>,
    /// Per compartment: the integrated compartment whose states it shares (goal ones).
    twin_of: Vec<Option<usize>>,
    /// Per compartment: the clusters whose goals read it.
    cluster_of: Vec<Vec<usize>>,
    /// Per compartment: dosed on the last injection day (its run may be cut there).
    cut_at_last: Vec<bool>,
    /// Per compartment: some candidate's new sessions dose it.
    dosed_later: Vec<bool>,
}

impl DrawRuns {
    fn problem<'p>(&'p self, c: usize, doses: &'p [Dose], start: Option<Start>) -> Problem<'p> {
        Problem {
            parameters: &self.muscle_parameters[c],
            constants: &self.constants[c],
            doses,
            start,
        }
    }

    /// Whether compartment `c` is simulated in the whole candidate (see [`present`]).
    fn present(&self, k: usize, m: usize, c: usize, session_days: &[f64]) -> bool {
        present(&self.history, &self.sessions, k, m, c, session_days)
    }
}

/// Whether compartment `c` is simulated in the whole candidate of cluster `k`'s combination
/// `m` with new sessions on `session_days` (as `simulation::compartment_doses` decides: at
/// least `NEGLIGIBLE_UNITS` received).
fn present(
    history: &[CompartmentDoses],
    sessions: &[ClusterSessions],
    k: usize,
    m: usize,
    c: usize,
    session_days: &[f64],
) -> bool {
    let session = sessions[k][m][c].map_or(0.0, |s| s.1);
    let total = session_days
        .iter()
        .fold(history[c].total_units, |total, _| total + session);
    total >= NEGLIGIBLE_UNITS
}

impl Grid<'_> {
    /// The inputs of draw `z`.
    fn prepare(
        &self,
        model: &Model,
        individual: &IndividualModel,
        z: &[f64],
        last: f64,
        session_days: &[Vec<f64>],
    ) -> DrawRuns {
        let (patient, parameters) = individual.patient(self.plan, model, z);
        let count = Anatomy::get().compartment_count();
        let muscle_of = |c: usize| Anatomy::compartment_muscle(c);
        let muscle_parameters: Vec<Parameters> = (0..count)
            .map(|c| muscle_parameters(&parameters, muscle_of(c)))
            .collect();
        let constants: Vec<_> = (0..count)
            .map(|c| crate::simulation::compartment_constants(&patient, muscle_of(c)))
            .collect();
        let mut history: Vec<CompartmentDoses> = (0..count)
            .map(|c| CompartmentDoses {
                compartment: c,
                constants: constants[c],
                doses: Vec::new(),
                total_units: 0.0,
            })
            .collect();
        for item in compartment_doses_above(&patient, &parameters, f64::MIN_POSITIVE).0 {
            let c = item.compartment;
            history[c] = item;
        }
        let sessions: Vec<ClusterSessions> = self
            .clusters
            .iter()
            .map(|cluster| {
                cluster
                    .combinations
                    .iter()
                    .map(|units| {
                        let mut reached = vec![None; count];
                        if cluster.injections.is_empty() {
                            return reached;
                        }
                        let one = self.one_session(&patient, &cluster.injections, units);
                        for item in compartment_doses_above(&one, &parameters, f64::MIN_POSITIVE).0
                        {
                            if let [dose] = item.doses[..] {
                                reached[item.compartment] = Some((dose, item.total_units));
                            }
                        }
                        reached
                    })
                    .collect()
            })
            .collect();
        let mut cluster_of: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (k, cluster) in self.clusters.iter().enumerate() {
            for &j in &cluster.goals {
                for (m, side) in goal_compartments(&self.goals[j]) {
                    let c = Anatomy::compartment(m, side);
                    if !cluster_of[c].contains(&k) {
                        cluster_of[c].push(k);
                    }
                }
            }
        }
        let mut unique: Vec<usize> = Vec::new();
        let mut twin_of = vec![None; count];
        for c in 0..count {
            if cluster_of[c].is_empty() {
                continue;
            }
            let same = |u: usize| {
                cluster_of[u] == cluster_of[c]
                    && muscle_parameters[u] == muscle_parameters[c]
                    && constants[u] == constants[c]
                    && history[u].doses == history[c].doses
                    && sessions.iter().all(|cluster| {
                        cluster
                            .iter()
                            .all(|reached| reached[u].map(|r| r.0) == reached[c].map(|r| r.0))
                    })
                    // Totals summed in another order may differ in the last bit: twins need
                    // only be simulated (or not) alike.
                    && self.clusters.iter().enumerate().all(|(k, cluster)| {
                        (0..cluster.combinations.len()).all(|m| {
                            session_days.iter().all(|days| {
                                present(&history, &sessions, k, m, u, days)
                                    == present(&history, &sessions, k, m, c, days)
                            })
                        })
                    })
            };
            twin_of[c] = Some(match unique.iter().copied().find(|&u| same(u)) {
                Some(u) => u,
                None => {
                    unique.push(c);
                    c
                }
            });
        }
        let cut_at_last = history
            .iter()
            .map(|h| h.doses.iter().any(|dose| dose.day == last))
            .collect();
        let dosed_later = (0..count)
            .map(|c| {
                sessions
                    .iter()
                    .any(|cluster| cluster.iter().any(|reached| reached[c].is_some()))
            })
            .collect();
        DrawRuns {
            parameters,
            cut_at_last,
            dosed_later,
            muscle_parameters,
            constants,
            history,
            sessions,
            unique,
            twin_of,
            cluster_of,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::optimise::judge;
    use crate::fit::predict::ReturnTarget;
    use crate::plan::Format;

    /// Glabella and both masseters every 120 days, three sessions; the grid `optimise`
    /// builds for it (two targets, every scale), and a few draws (one repeated).
    fn setup() -> (Plan, Model, IndividualModel, Vec<Vec<f64>>) {
        let text = "[patient]\nsex = \"female\"\nage = 34\n\
            [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\narea = \"glabella\"\nunits = 20\nevery_days = 120\ntimes = 3\n\
            [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"left\"\nunits = 25\nvolume_ml = 0.5\nevery_days = 120\ntimes = 3\n\
            [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"right\"\nunits = 25\nvolume_ml = 0.5\nevery_days = 120\ntimes = 3\n";
        let plan = Plan::parse(text, Format::Toml).unwrap();
        let model = Model::default();
        let individual = IndividualModel::new(&model.variability);
        let mut draws: Vec<Vec<f64>> = (0..5)
            .map(|k| {
                (0..individual.len())
                    .map(|j| ((k * 7 + j * 3) % 11) as f64 / 4.0 - 1.25)
                    .collect()
            })
            .collect();
        draws.insert(2, draws[1].clone());
        (plan, model, individual, draws)
    }

    fn grid_of<'a>(plan: &'a Plan, goals: &Goals) -> Option<Grid<'a>> {
        let last = plan.injections.last().unwrap().day;
        let session: Vec<&Injection> = plan.injections.iter().filter(|i| i.day == last).collect();
        let targets = ReturnTarget::treated(plan);
        let anatomy = Anatomy::get();
        let group_of: Vec<usize> = crate::fit::optimise::target_group_of(&session, &targets)
            .into_iter()
            .map(|group| group.expect("every injection of the session has its target"))
            .collect();
        let options: Vec<Vec<Vec<f64>>> = (0..targets.len())
            .map(|g| {
                let mut distinct: Vec<Vec<f64>> = Vec::new();
                for scale in crate::fit::optimise::DOSE_SCALES {
                    let units: Vec<f64> = session
                        .iter()
                        .zip(&group_of)
                        .filter(|(_, &group)| group == g)
                        .map(|(i, _)| {
                            let cap = anatomy.muscle(i.muscle).typical_dose_units[1].max(i.units);
                            (i.units * scale).round().clamp(1.0, cap)
                        })
                        .collect();
                    if !distinct.contains(&units) {
                        distinct.push(units);
                    }
                }
                distinct
            })
            .collect();
        let intervals: Vec<f64> = (0..7).map(|k| 90.0 + 15.0 * k as f64).collect();
        Grid::new(plan, session, &group_of, &options, &intervals, goals)
    }

    fn goals() -> Goals {
        Goals {
            severity_target: Some(1.0),
            volume_floor: Some(0.8),
            slimming_target: Some(0.8),
            ..Goals::default()
        }
    }

    #[test]
    fn every_candidate_is_judged_as_integrating_its_whole_plan_would() {
        let (plan, model, individual, draws) = setup();
        let goals = goals();
        let grid = grid_of(&plan, &goals).expect("the glabella and the masseters are apart");
        assert_eq!(grid.clusters.len(), 2, "{:?}", grid.clusters);
        let counts = grid.met_counts(&model, &individual, &draws, &goals);
        let label: Vec<f64> = grid.session.iter().map(|i| i.units).collect();
        // Every candidate, against simulating its whole plan per draw (`judge`).
        let mut best: Option<(f64, Judged)> = None;
        let mut compared = 0;
        for (i, &interval) in grid.intervals.iter().enumerate() {
            for glabella in &grid.clusters[0].combinations {
                for masseter in &grid.clusters[1].combinations {
                    let mut units = label.clone();
                    for (cluster, combination) in grid.clusters.iter().zip([glabella, masseter]) {
                        for (&x, &u) in cluster.injections.iter().zip(combination) {
                            units[x] = u;
                        }
                    }
                    let whole = judge(&plan, &model, &individual, &draws, &goals, &units, interval);
                    let from_grid = grid
                        .judged(&counts, draws.len(), &goals, &units, interval)
                        .unwrap();
                    assert_eq!(from_grid.met, whole.met, "{units:?} every {interval} days");
                    assert_eq!(from_grid.loss, whole.loss);
                    if best
                        .as_ref()
                        .is_none_or(|(d, b)| better(&whole, b, interval, *d))
                    {
                        best = Some((interval, whole));
                    }
                    compared += 1;
                }
            }
            let _ = i;
        }
        assert_eq!(compared, grid.candidates);
        // The goals are not all met or all missed: the comparison means something.
        let shares: Vec<f64> = counts
            .iter()
            .flatten()
            .flatten()
            .flatten()
            .copied()
            .collect();
        assert!(shares.contains(&0.0) && shares.iter().any(|&c| c > 0.0));
        // The exact search's choice is the best of them all.
        let (_, interval, chosen) = grid.best(&counts, draws.len(), &goals, &label);
        let (best_interval, best) = best.unwrap();
        assert_eq!(
            (chosen.loss, chosen.units_per_year, interval),
            (best.loss, best.units_per_year, best_interval)
        );
    }

    #[test]
    fn the_counts_do_not_depend_on_the_number_of_threads() {
        let (plan, model, individual, mut draws) = setup();
        // More draws than one chunk, so that threads share them.
        for k in 0..DRAWS_PER_CHUNK + 3 {
            let mut z = draws[k % 5].clone();
            z[0] += 0.1 * k as f64;
            draws.push(z);
        }
        let goals = goals();
        let grid = grid_of(&plan, &goals).unwrap();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| grid.met_counts(&model, &individual, &draws, &goals))
        };
        assert_eq!(run(1), run(2));
    }

    #[test]
    fn the_grid_is_not_used_when_its_conditions_fail() {
        let (mut plan, _, _, _) = setup();
        // The last session on a fractional day.
        let last = plan.injections.last().unwrap().day;
        for injection in plan.injections.iter_mut().filter(|i| i.day == last) {
            injection.day += 0.5;
        }
        assert!(grid_of(&plan, &goals()).is_none());
        // Antibodies present from the start neutralise every new session.
        let (mut plan, _, _, _) = setup();
        plan.patient.antibodies = crate::model::immunity::AntibodyStatus::Positive;
        assert!(grid_of(&plan, &goals()).is_none());
    }
}
