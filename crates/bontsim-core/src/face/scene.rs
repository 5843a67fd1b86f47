//! The face picture as plain data: a schematic front view of the face on one day, as a list
//! of shapes in pixels ([`Scene`]). Each muscle region of both sides is shaded by its capacity
//! that day (strength x nerve function) and carries its numbers; the landmarks of the face
//! model (brows, eyes, mouth, nasolabial folds, chin, neck) are drawn where the model puts them
//! for the chosen expression. Everything here is geometry and model, nothing is drawn: the
//! render crate writes a scene as SVG or PNG, and a web server may draw it its own way.

use crate::anatomy::{Anatomy, Side};
use crate::face::data::{
    Landmarks, BROW, CHIN, COMMISSURE_OUT, COMMISSURE_UP, FISSURE, LOWER_LIP, NASOLABIAL, NECK,
    PUCKER, UPPER_LIP,
};
use crate::face::kinematics::SideInputs;
use crate::face::scores::Assessment;
use crate::face::{self, course::CourseParameters, FaceCourse, Strengths};
use crate::plan::date::format_iso_date;
use crate::plan::Plan;
use crate::{simulate, Parameters, Simulation, SolverOptions};
use serde::Serialize;

/// A plan simulated once for its face pictures: the face course and the muscles' strengths
/// on every day of the horizon, from which [`FaceSeries::scene`] builds any day's picture.
pub struct FaceSeries {
    course: FaceCourse,
    simulation: Simulation,
    start_date: Option<i64>,
}

/// The words of a picture's title that the plan does not hold itself.
pub struct SceneTitle {
    /// The plan's name (its file name without extension).
    pub plan_name: String,
    /// The plan's doses in one line.
    pub doses: String,
    /// The expression as asked for (`rest`, or an expression of the face data).
    pub expression_name: String,
}

impl FaceSeries {
    /// Simulate `plan` with typical parameters over `horizon` days.
    pub fn new(plan: &Plan, horizon: usize) -> FaceSeries {
        FaceSeries::with_parameters(
            plan,
            horizon,
            &Parameters::TYPICAL,
            &CourseParameters::TYPICAL,
        )
    }

    /// Simulate `plan` over `horizon` days with the given toxin and face-course parameters
    /// (a patient's own, or the engine's model).
    pub fn with_parameters(
        plan: &Plan,
        horizon: usize,
        parameters: &Parameters,
        course: &CourseParameters,
    ) -> FaceSeries {
        let simulation = simulate(plan, parameters, horizon, &SolverOptions::default());
        let course = FaceCourse::new(plan, horizon, course, &Strengths::new(&simulation));
        FaceSeries {
            course,
            simulation,
            start_date: plan.start_date,
        }
    }

    /// The picture of `day` (within the horizon) with the face at rest (`expression`
    /// `None`) or making an expression (its index in the face data).
    pub fn scene(&self, day: usize, expression: Option<usize>, title: &SceneTitle) -> Scene {
        let strengths = Strengths::new(&self.simulation);
        let assessment = face::assess_day(&self.course, &strengths, day);
        let inputs = self
            .course
            .inputs(day, |m, side| strengths.get(m, side, day));
        Frame {
            plan_name: &title.plan_name,
            doses: &title.doses,
            date: self
                .start_date
                .map(|start| format_iso_date(start + day as i64)),
            day,
            expression_name: &title.expression_name,
            expression,
            assessment: &assessment,
            inputs: &inputs,
            affected: self.course.affected,
        }
        .scene()
    }
}

// ---------------------------------------------------------------------------------------
// Geometry. Face coordinates are millimetres: x lateral from the midline (both sides drawn
// from the same outline, mirrored), y up from the line of the pupils. Front view: the
// patient's right side is on the viewer's left.

/// Size of the picture in pixels.
pub const WIDTH: f64 = 1000.0;
pub const HEIGHT: f64 = 1140.0;
/// Pixels per millimetre.
const SCALE: f64 = 3.5;
const CENTRE_X: f64 = 420.0;
const PUPIL_Y: f64 = 470.0;
/// Height of the mouth (the stomion at the midline) and the mouth's resting half-width.
const MOUTH_Y: f64 = -62.0;
const MOUTH_HALF_WIDTH: f64 = 25.0;
const EYE_X: f64 = 32.0;
const EYE_HALF_LENGTH: f64 = 14.0;

/// A point: millimetres on the face, pixels in a [`Scene`].
pub type Point = (f64, f64);

/// Screen x grows to the viewer's right, where the patient's left side is.
fn direction(side: Side) -> f64 {
    match side {
        Side::Left => 1.0,
        Side::Right => -1.0,
    }
}

fn to_screen(side: Side, (x, y): Point) -> Point {
    (CENTRE_X + direction(side) * x * SCALE, PUPIL_Y - y * SCALE)
}

fn on_side(side: Side, points: &[Point]) -> Vec<Point> {
    points.iter().map(|&p| to_screen(side, p)).collect()
}

fn ellipse(centre: Point, rx: f64, ry: f64, from: f64, to: f64, steps: usize) -> Vec<Point> {
    (0..=steps)
        .map(|k| {
            let angle = from + (to - from) * k as f64 / steps as f64;
            (centre.0 + rx * angle.cos(), centre.1 + ry * angle.sin())
        })
        .collect()
}

fn circle(centre: Point, radius: f64) -> Vec<Point> {
    ellipse(centre, radius, radius, 0.0, std::f64::consts::TAU, 36)
}

/// One side of the face outline, from the top of the forehead to the chin.
const OUTLINE: [Point; 14] = [
    (0.0, 92.0),
    (22.0, 90.0),
    (42.0, 82.0),
    (56.0, 66.0),
    (63.0, 45.0),
    (66.0, 20.0),
    (67.0, 0.0),
    (66.0, -20.0),
    (64.0, -45.0),
    (60.0, -70.0),
    (52.0, -88.0),
    (38.0, -100.0),
    (20.0, -107.0),
    (0.0, -109.0),
];

const NECK_OUTLINE: [Point; 4] = [(0.0, -100.0), (40.0, -95.0), (44.0, -150.0), (0.0, -150.0)];

/// The muscle regions of one side, in drawing order (deep and large first), as outlines in
/// face millimetres; the two orbicularis rings (empty here) are drawn as ellipses. The levator
/// palpebrae superioris lies under the eyelid and is shown by the eye's opening instead.
#[rustfmt::skip]
const REGIONS: [(&str, &[Point]); 19] = [
    ("platysma", &[(0.0, -104.0), (38.0, -98.0), (44.0, -150.0), (0.0, -150.0)]),
    ("temporalis", &[(50.0, 72.0), (58.0, 64.0), (64.0, 42.0), (65.0, 18.0), (57.0, 15.0), (54.0, 40.0), (47.0, 62.0)]),
    ("masseter", &[(50.0, -28.0), (63.0, -28.0), (63.0, -50.0), (59.0, -72.0), (52.0, -86.0), (46.0, -60.0)]),
    ("buccinator", &[(30.0, -55.0), (50.0, -51.0), (52.0, -73.0), (30.0, -71.0)]),
    ("frontalis", &[(4.0, 32.0), (46.0, 32.0), (52.0, 52.0), (50.0, 70.0), (40.0, 80.0), (22.0, 86.0), (4.0, 88.0)]),
    ("orbicularis_oculi", &[]),
    ("depressor_supercilii", &[(6.0, 9.0), (10.0, 9.0), (10.5, 18.0), (6.0, 16.0)]),
    ("corrugator_supercilii", &[(6.0, 18.0), (29.0, 25.0), (29.0, 30.0), (6.0, 24.0)]),
    ("procerus", &[(0.0, 6.0), (4.5, 6.0), (5.0, 28.0), (0.0, 28.0)]),
    ("nasalis", &[(3.5, -17.0), (9.0, -20.0), (12.0, -31.0), (7.0, -34.0), (3.0, -28.0)]),
    ("levator_labii_superioris_alaeque_nasi", &[(7.0, -7.0), (11.0, -7.0), (18.0, -40.0), (14.0, -46.0), (12.0, -39.0)]),
    ("levator_labii_superioris", &[(17.0, -17.0), (28.0, -17.0), (22.0, -48.0), (15.0, -49.0)]),
    ("zygomaticus_minor", &[(34.0, -16.0), (40.0, -18.0), (27.0, -50.0), (22.0, -50.0)]),
    ("zygomaticus_major", &[(48.0, -12.0), (55.0, -17.0), (34.0, -60.0), (28.0, -57.0)]),
    ("risorius", &[(58.0, -56.0), (60.0, -63.0), (34.0, -65.0), (33.0, -61.0)]),
    ("orbicularis_oris", &[]),
    ("depressor_anguli_oris", &[(31.0, -70.0), (36.0, -68.0), (45.0, -93.0), (29.0, -99.0)]),
    ("depressor_labii_inferioris", &[(10.0, -79.0), (24.0, -77.0), (26.0, -98.0), (13.0, -101.0)]),
    ("mentalis", &[(0.0, -82.0), (9.0, -81.0), (11.0, -100.0), (0.0, -104.0)]),
];

/// The outline of a region (see [`REGIONS`]).
fn region_outline(name: &str, points: &[Point]) -> Vec<Point> {
    let half = std::f64::consts::FRAC_PI_2;
    match name {
        "orbicularis_oculi" => ellipse((EYE_X, 0.0), 22.0, 17.0, 0.0, std::f64::consts::TAU, 48),
        "orbicularis_oris" => {
            let mut ring = ellipse((0.0, MOUTH_Y), 35.0, 17.0, -half, half, 24);
            ring.push((0.0, MOUTH_Y));
            ring
        }
        _ => points.to_vec(),
    }
}

// ---------------------------------------------------------------------------------------
// Colours.

/// A colour: red, green, blue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    fn mix(self, other: Rgb, t: f64) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let channel = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
        Rgb(
            channel(self.0, other.0),
            channel(self.1, other.1),
            channel(self.2, other.2),
        )
    }
}

const INK: Rgb = Rgb(40, 40, 40);
const SKIN: Rgb = Rgb(238, 236, 233);
const REGION_EDGE: Rgb = Rgb(120, 110, 100);
const GHOST: Rgb = Rgb(110, 110, 110);

/// ColorBrewer YlOrRd (9 classes): pale yellow at capacity 0 to dark red at capacity 1.
const COLOUR_MAP: [Rgb; 9] = [
    Rgb(255, 255, 204),
    Rgb(255, 237, 160),
    Rgb(254, 217, 118),
    Rgb(254, 178, 76),
    Rgb(253, 141, 60),
    Rgb(252, 78, 42),
    Rgb(227, 26, 28),
    Rgb(189, 0, 38),
    Rgb(128, 0, 38),
];

/// The shade of a muscle region of `capacity` (0 to 1).
pub fn capacity_colour(capacity: f64) -> Rgb {
    let position = capacity.clamp(0.0, 1.0) * (COLOUR_MAP.len() - 1) as f64;
    let low = (position.floor() as usize).min(COLOUR_MAP.len() - 2);
    COLOUR_MAP[low].mix(COLOUR_MAP[low + 1], position - low as f64)
}

// ---------------------------------------------------------------------------------------
// The picture as shapes in pixels.

/// Where a text's position is: its start or its middle (horizontally).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Anchor {
    Start,
    Middle,
}

/// A muscle region's identity and numbers, for the picture's readers (the SVG carries them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    /// `muscle_side`, unique in the picture.
    pub id: String,
    pub muscle: &'static str,
    pub side: Side,
    /// Strength x nerve function that day.
    pub capacity: f64,
    pub strength: f64,
    /// Nerve function (drive) that day.
    pub drive: f64,
}

/// One shape of the picture, in pixels (x to the right, y down), in drawing order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Shape {
    Area {
        points: Vec<Point>,
        /// `None`: the outline only.
        fill: Option<Rgb>,
        outline: Option<(Rgb, f64)>,
        region: Option<Region>,
    },
    Line {
        points: Vec<Point>,
        colour: Rgb,
        width: f64,
        dashed: bool,
    },
    Text {
        at: Point,
        text: String,
        size: f64,
        anchor: Anchor,
        bold: bool,
    },
}

fn area(points: Vec<Point>, fill: Rgb, outline: Option<(Rgb, f64)>) -> Shape {
    Shape::Area {
        points,
        fill: Some(fill),
        outline,
        region: None,
    }
}

fn line(points: Vec<Point>, colour: Rgb, width: f64) -> Shape {
    Shape::Line {
        points,
        colour,
        width,
        dashed: false,
    }
}

fn text(at: Point, text: impl Into<String>, size: f64, anchor: Anchor) -> Shape {
    Shape::Text {
        at,
        text: text.into(),
        size,
        anchor,
        bold: false,
    }
}

/// The picture: its size in pixels and its shapes, back to front.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scene {
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<Shape>,
}

struct Frame<'a> {
    plan_name: &'a str,
    /// The plan's doses in one line.
    doses: &'a str,
    /// The day's calendar date when the plan is dated.
    date: Option<String>,
    day: usize,
    expression_name: &'a str,
    expression: Option<usize>,
    assessment: &'a Assessment,
    inputs: &'a [SideInputs; 2],
    affected: Option<Side>,
}

impl Frame<'_> {
    fn landmarks(&self, side: Side) -> &Landmarks {
        match self.expression {
            Some(e) => &self.assessment.moved[e][side.index()],
            None => &self.assessment.rest[side.index()],
        }
    }

    fn scene(&self) -> Scene {
        Scene {
            width: WIDTH,
            height: HEIGHT,
            shapes: self.shapes(),
        }
    }

    fn shapes(&self) -> Vec<Shape> {
        let mut shapes = vec![area(
            vec![(0.0, 0.0), (WIDTH, 0.0), (WIDTH, HEIGHT), (0.0, HEIGHT)],
            Rgb(255, 255, 255),
            None,
        )];
        self.title(&mut shapes);
        let mut neck = on_side(Side::Right, &NECK_OUTLINE);
        neck.extend(on_side(Side::Left, &NECK_OUTLINE).into_iter().rev());
        shapes.push(area(neck, SKIN, Some((REGION_EDGE, 1.0))));
        // The platysma (neck) lies under the face outline; everything else over it.
        let (neck_regions, face_regions) = REGIONS.split_at(1);
        self.regions(&mut shapes, neck_regions);
        let mut outline = on_side(Side::Right, &OUTLINE);
        outline.extend(on_side(Side::Left, &OUTLINE).into_iter().rev());
        shapes.push(area(outline, SKIN, Some((INK, 2.0))));
        self.regions(&mut shapes, face_regions);
        for side in Side::BOTH {
            self.features(&mut shapes, side);
        }
        self.mouth(&mut shapes);
        self.legend(&mut shapes);
        shapes
    }

    fn title(&self, shapes: &mut Vec<Shape>) {
        let a = self.assessment;
        let expression = if self.expression.is_some() {
            self.expression_name.replace('_', " ")
        } else {
            "at rest".to_string()
        };
        shapes.push(Shape::Text {
            at: (WIDTH / 2.0, 36.0),
            text: match &self.date {
                Some(date) => format!(
                    "{}: day {} ({date}), {expression}",
                    self.plan_name, self.day
                ),
                None => format!("{}: day {}, {expression}", self.plan_name, self.day),
            },
            size: 24.0,
            anchor: Anchor::Middle,
            bold: true,
        });
        shapes.push(text(
            (WIDTH / 2.0, 66.0),
            format!(
                "Sunnybrook composite {:.0}    House-Brackmann {}    expressivity {:.2}",
                a.sunnybrook.composite,
                face::house_brackmann_roman(a.house_brackmann),
                a.expressivity
            ),
            18.0,
            Anchor::Middle,
        ));
        let palsy = match self.affected {
            Some(side) => format!("palsy of the patient's {} side", side.name()),
            None => "no palsy profile".to_string(),
        };
        shapes.push(text(
            (WIDTH / 2.0, 92.0),
            format!("{palsy}. Front view: the patient's left is on the viewer's right."),
            14.0,
            Anchor::Middle,
        ));
        shapes.push(text((WIDTH / 2.0, 113.0), self.doses, 13.0, Anchor::Middle));
        for side in Side::BOTH {
            shapes.push(Shape::Text {
                at: to_screen(side, (50.0, 96.0)),
                text: format!("patient's {}", side.name()),
                size: 16.0,
                anchor: Anchor::Middle,
                bold: true,
            });
        }
    }

    fn regions(&self, shapes: &mut Vec<Shape>, regions: &[(&'static str, &[Point])]) {
        let anatomy = Anatomy::get();
        for &(name, points) in regions {
            let muscle = anatomy
                .index_of(name)
                .expect("REGIONS names muscles of the anatomy (unit test)");
            let outline = region_outline(name, points);
            for side in Side::BOTH {
                let inputs = &self.inputs[side.index()];
                let capacity = inputs.capacity(muscle);
                shapes.push(Shape::Area {
                    points: on_side(side, &outline),
                    fill: Some(capacity_colour(capacity)),
                    outline: Some((REGION_EDGE, 1.0)),
                    region: Some(Region {
                        id: format!("{name}_{}", side.name()),
                        muscle: name,
                        side,
                        capacity,
                        strength: inputs.strength[muscle.index()],
                        drive: inputs.drive[muscle.index()],
                    }),
                });
            }
        }
    }

    /// Brows, eyes, nose, nasolabial folds, chin and neck of one side.
    fn features(&self, shapes: &mut Vec<Shape>, side: Side) {
        let l = self.landmarks(side);
        let rest = &self.assessment.rest[side.index()];
        let brow = |height: f64| {
            [
                (7.0, -2.0),
                (16.0, 0.3),
                (27.0, 1.5),
                (38.0, 1.0),
                (47.0, -1.8),
            ]
            .map(|(x, dy)| (x, height + dy))
        };
        if self.expression.is_some() {
            shapes.push(Shape::Line {
                points: on_side(side, &brow(rest[BROW])),
                colour: GHOST,
                width: 1.5,
                dashed: true,
            });
        }
        shapes.push(line(on_side(side, &brow(l[BROW])), Rgb(75, 55, 40), 9.0));
        self.eye(shapes, side, l[FISSURE]);
        // The nose: side of the bridge, the ala and the nostril's lower edge.
        shapes.push(line(
            on_side(side, &[(5.0, -4.0), (7.0, -24.0), (10.0, -33.0)]),
            REGION_EDGE,
            1.5,
        ));
        shapes.push(line(
            on_side(
                side,
                &[
                    (11.0, -33.0),
                    (15.5, -36.0),
                    (15.0, -41.0),
                    (11.0, -44.0),
                    (5.0, -44.5),
                    (0.0, -45.0),
                ],
            ),
            INK,
            2.0,
        ));
        // Nasolabial fold from the ala to beside the mouth corner: darker and wider when
        // deeper, absent when effaced.
        let depth = l[NASOLABIAL];
        if depth > 0.2 {
            let corner = corner(l);
            let start: Point = (16.0, -36.0);
            let end = (corner.0 + 3.0, corner.1 + 1.0);
            let control = (start.0.max(end.0) + 5.0, (start.1 + end.1) / 2.0);
            shapes.push(line(
                on_side(side, &bezier(start, control, end)),
                Rgb(190, 165, 150).mix(Rgb(80, 45, 35), depth / 8.0),
                1.0 + 0.9 * depth,
            ));
        }
        // Mentalis dimpling of the chin and platysmal bands of the neck.
        let chin = l[CHIN];
        if chin > 0.2 {
            let colour = SKIN.mix(Rgb(70, 50, 40), chin / 4.0);
            for centre in [
                (3.0, -88.0),
                (7.0, -87.0),
                (5.0, -92.0),
                (3.0, -96.0),
                (8.0, -97.0),
            ] {
                shapes.push(area(
                    on_side(side, &circle(centre, 0.5 + 0.12 * chin)),
                    colour,
                    None,
                ));
            }
        }
        let neck = l[NECK];
        if neck > 0.2 {
            let colour = SKIN.mix(Rgb(70, 50, 40), neck / 6.0);
            for band in [
                [(14.0, -106.0), (16.0, -150.0)],
                [(30.0, -100.0), (34.0, -150.0)],
            ] {
                shapes.push(line(on_side(side, &band), colour, 1.0 + 0.8 * neck));
            }
        }
    }

    /// The eye open by the palpebral fissure: the upper lid carries 65% of the opening.
    fn eye(&self, shapes: &mut Vec<Shape>, side: Side, fissure: f64) {
        let lid = |share: f64, x: f64| {
            let t = (x - EYE_X) / EYE_HALF_LENGTH;
            share * fissure * (1.0 - t * t).max(0.0)
        };
        let xs: Vec<f64> = (0..=24)
            .map(|k| EYE_X - EYE_HALF_LENGTH + 2.0 * EYE_HALF_LENGTH * k as f64 / 24.0)
            .collect();
        let upper: Vec<Point> = xs.iter().map(|&x| (x, lid(0.65, x))).collect();
        if fissure < 0.3 {
            shapes.push(line(on_side(side, &upper), INK, 2.5));
            return;
        }
        let mut sclera = upper.clone();
        sclera.extend(xs.iter().rev().map(|&x| (x, -lid(0.35, x))));
        shapes.push(area(
            on_side(side, &sclera),
            Rgb(255, 255, 255),
            Some((INK, 1.0)),
        ));
        // Iris and pupil, cut by the lids.
        let centre = (EYE_X, 0.15 * fissure);
        for (radius, colour) in [(5.5, Rgb(95, 120, 150)), (2.2, Rgb(20, 20, 20))] {
            let clipped: Vec<Point> = circle(centre, radius)
                .into_iter()
                .map(|(x, y)| (x, y.clamp(-lid(0.35, x), lid(0.65, x))))
                .collect();
            shapes.push(area(on_side(side, &clipped), colour, None));
        }
        shapes.push(line(on_side(side, &upper), INK, 2.5));
    }

    /// Both halves of the mouth: corners where the model puts them, the upper lip raised,
    /// the lower lip lowered (the teeth show between), lips fuller when puckered.
    fn mouth(&self, shapes: &mut Vec<Shape>) {
        let [left, right] = [Side::Left, Side::Right].map(|s| self.landmarks(s));
        let middle = |l: usize| (left[l] + right[l]) / 2.0;
        for side in Side::BOTH {
            let l = self.landmarks(side);
            let at =
                |landmark: usize, t: f64| middle(landmark) + (l[landmark] - middle(landmark)) * t;
            let mouth_corner = corner(l);
            let ts: Vec<f64> = (0..=20).map(|k| k as f64 / 20.0).collect();
            let x = |t: f64| t * mouth_corner.0;
            let base = |t: f64| MOUTH_Y + (mouth_corner.1 - MOUTH_Y) * t * t;
            let open = |t: f64| 1.0 - t * t;
            let upper_edge: Vec<Point> = ts
                .iter()
                .map(|&t| (x(t), base(t) + 0.6 * at(UPPER_LIP, t) * open(t)))
                .collect();
            let lower_edge: Vec<Point> = ts
                .iter()
                .map(|&t| (x(t), base(t) - 0.6 * at(LOWER_LIP, t) * open(t)))
                .collect();
            let fullness = |t: f64| open(t).powf(0.7);
            let cupid = |t: f64| 1.0 - 0.15 * (-(t / 0.12).powi(2)).exp();
            let upper_top: Vec<Point> = ts
                .iter()
                .zip(&upper_edge)
                .map(|(&t, &(px, py))| {
                    (
                        px,
                        py + (6.0 + 0.25 * at(PUCKER, t)) * fullness(t) * cupid(t),
                    )
                })
                .collect();
            let lower_bottom: Vec<Point> = ts
                .iter()
                .zip(&lower_edge)
                .map(|(&t, &(px, py))| (px, py - (8.0 + 0.3 * at(PUCKER, t)) * fullness(t)))
                .collect();
            let lip = Rgb(214, 160, 150);
            let mut teeth = upper_edge.clone();
            teeth.extend(lower_edge.iter().rev());
            shapes.push(area(on_side(side, &teeth), Rgb(250, 248, 238), None));
            for (outer, inner) in [(&upper_top, &upper_edge), (&lower_bottom, &lower_edge)] {
                let mut shape = outer.clone();
                shape.extend(inner.iter().rev());
                shapes.push(area(on_side(side, &shape), lip, None));
                shapes.push(line(on_side(side, outer), Rgb(110, 50, 45), 1.5));
                shapes.push(line(on_side(side, inner), Rgb(90, 35, 30), 1.5));
            }
            if self.expression.is_some() {
                let rest = corner(&self.assessment.rest[side.index()]);
                let ghost: Vec<Point> = ts
                    .iter()
                    .map(|&t| (t * rest.0, MOUTH_Y + (rest.1 - MOUTH_Y) * t * t))
                    .collect();
                shapes.push(Shape::Line {
                    points: on_side(side, &ghost),
                    colour: GHOST,
                    width: 1.5,
                    dashed: true,
                });
            }
            shapes.push(area(on_side(side, &circle(mouth_corner, 1.3)), INK, None));
        }
    }

    fn legend(&self, shapes: &mut Vec<Shape>) {
        // Colour bar: capacity 1 at the top.
        let (x0, x1, top, bottom) = (850.0, 878.0, 340.0, 740.0);
        shapes.push(text(
            (x0 - 10.0, top - 58.0),
            "muscle capacity",
            15.0,
            Anchor::Start,
        ));
        shapes.push(text(
            (x0 - 10.0, top - 40.0),
            "(strength x nerve",
            13.0,
            Anchor::Start,
        ));
        shapes.push(text(
            (x0 - 10.0, top - 24.0),
            "function), that day",
            13.0,
            Anchor::Start,
        ));
        let steps = 50;
        for k in 0..steps {
            let (a, b) = (k as f64 / steps as f64, (k + 1) as f64 / steps as f64);
            let y = |v: f64| bottom - (bottom - top) * v;
            shapes.push(area(
                vec![(x0, y(a)), (x1, y(a)), (x1, y(b)), (x0, y(b))],
                capacity_colour((a + b) / 2.0),
                None,
            ));
        }
        shapes.push(Shape::Area {
            points: vec![(x0, top), (x1, top), (x1, bottom), (x0, bottom)],
            fill: None,
            outline: Some((INK, 1.0)),
            region: None,
        });
        for k in 0..=4 {
            let v = k as f64 / 4.0;
            let y = bottom - (bottom - top) * v;
            shapes.push(line(vec![(x1, y), (x1 + 6.0, y)], INK, 1.0));
            let label = match k {
                0 => "0 none".to_string(),
                4 => "1 full".to_string(),
                _ => format!("{v:.2}"),
            };
            shapes.push(text((x1 + 10.0, y + 5.0), label, 13.0, Anchor::Start));
        }
        if self.expression.is_some() {
            shapes.push(Shape::Line {
                points: vec![(x0 - 10.0, bottom + 40.0), (x0 + 20.0, bottom + 40.0)],
                colour: GHOST,
                width: 1.5,
                dashed: true,
            });
            shapes.push(text(
                (x0 + 26.0, bottom + 45.0),
                "at rest",
                13.0,
                Anchor::Start,
            ));
        }
        // The landmarks in numbers, one line per side.
        for (row, side) in [Side::Right, Side::Left].into_iter().enumerate() {
            let l = self.landmarks(side);
            shapes.push(text(
                (40.0, 1025.0 + 20.0 * row as f64),
                format!(
                    "patient's {:<5}  brow {:.1}  fissure {:.1}  corner up {:+.1} out {:+.1}  upper lip {:.1}  lower lip {:.1}  fold {:.1}  pucker {:.1}  chin {:.1}  neck {:.1} (mm)",
                    side.name(),
                    l[BROW],
                    l[FISSURE],
                    l[COMMISSURE_UP],
                    l[COMMISSURE_OUT],
                    l[UPPER_LIP],
                    l[LOWER_LIP],
                    l[NASOLABIAL],
                    l[PUCKER],
                    l[CHIN],
                    l[NECK]
                ),
                13.0,
                Anchor::Start,
            ));
        }
        shapes.push(text(
            (40.0, 1080.0),
            "Schematic front view. Shading: each muscle's capacity that day; features: the face model's landmarks (docs/model.md, Face).",
            13.0,
            Anchor::Start,
        ));
        shapes.push(Shape::Text {
            at: (40.0, 1110.0),
            text: "Research and education software, not a medical device.".to_string(),
            size: 16.0,
            anchor: Anchor::Start,
            bold: true,
        });
    }
}

/// The mouth corner of a side's landmarks.
fn corner(l: &Landmarks) -> Point {
    (
        MOUTH_HALF_WIDTH + l[COMMISSURE_OUT],
        MOUTH_Y + l[COMMISSURE_UP],
    )
}

fn bezier(a: Point, control: Point, b: Point) -> Vec<Point> {
    (0..=16)
        .map(|k| {
            let t = k as f64 / 16.0;
            let u = 1.0 - t;
            (
                u * u * a.0 + 2.0 * u * t * control.0 + t * t * b.0,
                u * u * a.1 + 2.0 * u * t * control.1 + t * t * b.1,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_is_a_muscle_of_the_anatomy() {
        let anatomy = Anatomy::get();
        for (name, _) in REGIONS {
            assert!(anatomy.index_of(name).is_some(), "{name}");
        }
    }

    #[test]
    fn every_region_is_shaded_by_its_capacity_on_both_sides() {
        let plan = Plan::parse(
            "[patient]\nsex = \"female\"\nage = 40\n[[injection]]\nday = 0\nproduct = \"Botox\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 10\n",
            crate::plan::Format::Toml,
        )
        .expect("a valid plan");
        let title = SceneTitle {
            plan_name: "procerus".to_string(),
            doses: "procerus 10 U".to_string(),
            expression_name: "rest".to_string(),
        };
        let series = FaceSeries::new(&plan, 60);
        let regions = |scene: &Scene| -> Vec<(Region, Option<Rgb>)> {
            scene
                .shapes
                .iter()
                .filter_map(|shape| match shape {
                    Shape::Area {
                        region: Some(r),
                        fill,
                        ..
                    } => Some((r.clone(), *fill)),
                    _ => None,
                })
                .collect()
        };
        let before = regions(&series.scene(0, None, &title));
        let after = regions(&series.scene(30, None, &title));
        assert_eq!(before.len(), 2 * REGIONS.len());
        for (region, fill) in &after {
            assert_eq!(*fill, Some(capacity_colour(region.capacity)));
            assert!((region.capacity - region.strength * region.drive).abs() < 1e-12);
        }
        let procerus = |regions: &[(Region, Option<Rgb>)]| {
            regions
                .iter()
                .find(|(r, _)| r.id == "procerus_left")
                .map(|(r, _)| r.capacity)
                .expect("the procerus region")
        };
        assert!(procerus(&after) < procerus(&before) - 0.1);
    }

    #[test]
    fn the_colour_map_runs_from_pale_to_dark() {
        assert!(capacity_colour(0.0) == COLOUR_MAP[0]);
        assert!(capacity_colour(1.0) == COLOUR_MAP[8]);
        let lightness = |c: Rgb| c.0 as u32 + c.1 as u32 + c.2 as u32;
        assert!((0..100).all(|k| {
            let (a, b) = (k as f64 / 100.0, (k + 1) as f64 / 100.0);
            lightness(capacity_colour(a)) >= lightness(capacity_colour(b))
        }));
    }
}
