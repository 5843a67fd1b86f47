//! The face map: the front-view face of `bontsim face` (the core's scene, drawn by the render
//! crate) with the charted injection points on top. Where a point lies decides its muscle and
//! side: the scene's muscle regions are the region map (a point inside a region belongs to it,
//! a point outside to the nearest region's centre), and a muscle that may be injected on the
//! midline gets the midline when the point lies on the face's centre line.

use bontsim_core::anatomy::Anatomy;
use bontsim_core::face::scene::{Scene, SceneTitle, Shape};
use bontsim_core::{Engine, Format, Plan};

/// One muscle region of the picture.
#[derive(Debug, Clone)]
pub struct Region {
    pub muscle: String,
    pub side: String,
    pub points: Vec<(f64, f64)>,
}

impl Region {
    pub fn centre(&self) -> (f64, f64) {
        let n = self.points.len().max(1) as f64;
        let (x, y) = self
            .points
            .iter()
            .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
        (x / n, y / n)
    }

    fn contains(&self, x: f64, y: f64) -> bool {
        // Even-odd rule.
        let mut inside = false;
        let points = &self.points;
        let mut j = points.len().wrapping_sub(1);
        for i in 0..points.len() {
            let (xi, yi) = points[i];
            let (xj, yj) = points[j];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    }
}

/// The face picture of a plan on one day, and its regions.
pub struct FaceMap {
    pub scene: Scene,
    pub regions: Vec<Region>,
}

/// A point drawn on the map.
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub units: f64,
    /// CSS class: "point" (charted), "proposal" (planner).
    pub class: &'static str,
    pub id: String,
}

impl FaceMap {
    /// The face of `plan` on `day` (its untreated face when the plan has no injections).
    pub fn new(engine: &Engine, plan: &Plan, day: usize) -> Result<FaceMap, bontsim_core::Error> {
        Ok(FaceMap::on_days(engine, plan, &[day])?.remove(0))
    }

    /// The faces of `plan` on each of `days`, from one face series up to the last of them.
    pub fn on_days(
        engine: &Engine,
        plan: &Plan,
        days: &[usize],
    ) -> Result<Vec<FaceMap>, bontsim_core::Error> {
        let last = days.iter().copied().max().unwrap_or(0);
        let series = engine.face_series(plan, Some(last + 1))?;
        let title = SceneTitle {
            plan_name: "The model's face".into(),
            doses: String::new(),
            expression_name: "rest".into(),
        };
        Ok(days
            .iter()
            .map(|&day| FaceMap::of_scene(series.scene(day, None, &title)))
            .collect())
    }

    fn of_scene(scene: Scene) -> FaceMap {
        let regions = scene
            .shapes
            .iter()
            .filter_map(|shape| match shape {
                Shape::Area {
                    points,
                    region: Some(region),
                    ..
                } => Some(Region {
                    muscle: region.muscle.to_string(),
                    side: region.side.name().to_string(),
                    points: points.clone(),
                }),
                _ => None,
            })
            .collect();
        FaceMap { scene, regions }
    }

    /// The untreated face of a patient (`[patient]` and `[palsy]` TOML without injections).
    pub fn untreated(engine: &Engine, patient_toml: &str) -> Result<FaceMap, bontsim_core::Error> {
        let plan = engine.parse_plan(patient_toml, Format::Toml)?;
        FaceMap::new(engine, &plan, 0)
    }

    /// The muscle and side of a point at (x, y) in picture pixels.
    pub fn locate(&self, x: f64, y: f64) -> Option<(String, String)> {
        let region = self
            .regions
            .iter()
            .rev() // the topmost region drawn
            .find(|r| r.contains(x, y))
            .or_else(|| {
                self.regions.iter().min_by(|a, b| {
                    let distance = |r: &Region| {
                        let (cx, cy) = r.centre();
                        (cx - x).powi(2) + (cy - y).powi(2)
                    };
                    distance(a).total_cmp(&distance(b))
                })
            })?;
        let anatomy = Anatomy::get();
        let midline_allowed = anatomy
            .find(&region.muscle)
            .map(|id| anatomy.muscle(id).midline_allowed)
            .unwrap_or(false);
        let centre_line = self.centre_line();
        let side = if midline_allowed && (x - centre_line).abs() < self.scene.width * 0.025 {
            "midline".to_string()
        } else {
            region.side.clone()
        };
        Some((region.muscle.clone(), side))
    }

    /// The x of the face's centre line: midway between the left and right regions.
    pub fn centre_line(&self) -> f64 {
        let xs: Vec<f64> = self.regions.iter().map(|r| r.centre().0).collect();
        if xs.is_empty() {
            return self.scene.width / 2.0;
        }
        let (min, max) = xs
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        (min + max) / 2.0
    }

    /// Where a dose of `muscle` on `side` is drawn when no click placed it (imports, planner
    /// proposals): the region's centre, or the centre line for the midline.
    pub fn anchor(&self, muscle: &str, side: &str) -> (f64, f64) {
        let lookup = if side == "midline" { "left" } else { side };
        match self
            .regions
            .iter()
            .find(|r| r.muscle == muscle && r.side == lookup)
        {
            Some(region) => {
                let (x, y) = region.centre();
                if side == "midline" {
                    (self.centre_line(), y)
                } else {
                    (x, y)
                }
            }
            None => (self.scene.width / 2.0, self.scene.height / 2.0),
        }
    }

    /// The picture x of the same point on the other side of the face.
    pub fn mirror_x(&self, x: f64) -> f64 {
        2.0 * self.centre_line() - x
    }

    /// The face alone (the muscle regions and the side labels above them), without the
    /// picture's title, legend and notes: the chart's map.
    pub fn cropped_svg(&self, markers: &[Marker]) -> String {
        let (mut left, mut top, mut right, mut bottom) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in self.regions.iter().flat_map(|r| r.points.iter()) {
            left = left.min(*x);
            right = right.max(*x);
            top = top.min(*y);
            bottom = bottom.max(*y);
        }
        let full = self.svg(markers);
        if left > right {
            return full;
        }
        let (x, y) = ((left - 20.0).max(0.0), (top - 45.0).max(0.0));
        let (w, h) = (
            (right + 20.0).min(self.scene.width) - x,
            (bottom + 10.0).min(self.scene.height) - y,
        );
        let (width, height) = (self.scene.width, self.scene.height);
        full.replacen(
            &format!("width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\""),
            &format!("width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"{x:.1} {y:.1} {w:.1} {h:.1}\""),
            1,
        )
    }

    /// The picture as inline SVG with the markers on top; the root carries `id="facemap"`.
    pub fn svg(&self, markers: &[Marker]) -> String {
        let drawn = bontsim_render::face::svg(&self.scene);
        let body = drawn
            .split_once("?>")
            .map(|(_, rest)| rest.trim_start())
            .unwrap_or(&drawn);
        let body = body.replacen("<svg ", "<svg id=\"facemap\" class=\"facemap\" ", 1);
        let mut layer = String::from("<g class=\"markers\">");
        for marker in markers {
            layer.push_str(&format!(
                "<g class=\"{}\" data-id=\"{}\"><circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"7\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text></g>",
                marker.class,
                crate::pages::escape(&marker.id),
                marker.x,
                marker.y,
                marker.x + 9.0,
                marker.y + 4.0,
                crate::pages::number(marker.units)
            ));
        }
        layer.push_str("</g></svg>");
        match body.rfind("</svg>") {
            Some(end) => format!("{}{}", &body[..end], layer),
            None => body.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> FaceMap {
        FaceMap::untreated(
            &Engine::default(),
            "[patient]\nsex = \"female\"\nage = 40\n",
        )
        .unwrap()
    }

    #[test]
    fn a_point_inside_a_region_gets_its_muscle_and_side() {
        let map = map();
        assert!(map.regions.len() >= 20, "both sides' muscles are regions");
        for region in &map.regions {
            let (x, y) = region.centre();
            if region.contains(x, y) {
                let (muscle, side) = map.locate(x, y).unwrap();
                // Overlapping regions may claim the point; the side always matches unless
                // the muscle may take the midline.
                assert!(side == region.side || side == "midline", "{muscle} {side}");
            }
        }
        let (x, y) = map.anchor("masseter", "left");
        assert_eq!(map.locate(x, y).unwrap().1, "left");
    }

    #[test]
    fn the_procerus_on_the_centre_line_is_midline_and_mirroring_swaps_sides() {
        let map = map();
        let (x, y) = map.anchor("procerus", "midline");
        assert_eq!(
            map.locate(x, y).unwrap(),
            ("procerus".into(), "midline".into())
        );
        let (lx, ly) = map.anchor("zygomaticus_major", "left");
        let (muscle, side) = map.locate(map.mirror_x(lx), ly).unwrap();
        assert_eq!(side, "right", "{muscle}");
        assert!(map.svg(&[]).contains("id=\"facemap\""));
        let cropped = map.cropped_svg(&[]);
        assert!(cropped.contains("id=\"facemap\"") && !cropped.contains("viewBox=\"0 0 "));
    }
}
