//! Products: each BoNT-A brand's potency relative to onabotulinumtoxinA and its onset and
//! recovery rate multipliers, from `data/products.toml` (compiled in, sourced). The model
//! works in onabotulinumtoxinA-equivalent units; this module is the only place units are
//! converted. The rate multipliers travel with each dose to its compartment
//! ([`crate::model::ProductRates`]); they are 1 for every product today (no product
//! difference assumed), so a product differs from another only by its potency.

use crate::model::ProductRates;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    pub brands: Vec<String>,
    pub potency: f64,
    pub potency_source: String,
    pub duration_note: String,
    pub label_glabella_units: f64,
    /// Multiplier on the uptake rate `k_in` and the onset rate `k_on` (1 when absent).
    #[serde(default = "one")]
    pub onset_rate_factor: f64,
    /// Multiplier on the recovery rate `k_r0` (1 when absent).
    #[serde(default = "one")]
    pub recovery_rate_factor: f64,
    /// Divisor of the loss rate `k_L` of the light-chain activity in the terminals: how much
    /// longer a reached terminal stays silent than with onabotulinumtoxinA at the same load,
    /// which lengthens the effect without deepening it (1 when absent; docs/model.md sec. 8).
    #[serde(default = "one")]
    pub duration_factor: f64,
    /// Why the duration factor has its value.
    #[serde(default)]
    pub duration_source: String,
    /// Antigenicity per onabotulinumtoxinA-equivalent unit relative to onabotulinumtoxinA
    /// (1 when absent): weights the units of a session in the neutralising-antibody model
    /// (`model::immunity`).
    #[serde(default = "one")]
    pub immunogenicity: f64,
    /// Why the immunogenicity has its value.
    #[serde(default)]
    pub immunogenicity_source: String,
    /// Why the two rate factors have their values (a source, or "no product difference
    /// assumed").
    #[serde(default)]
    pub rate_factor_source: String,
}

fn one() -> f64 {
    1.0
}

impl Product {
    /// Labelled units of this product expressed as onabotulinumtoxinA-equivalent units.
    pub fn equivalent_units(&self, units: f64) -> f64 {
        units * self.potency
    }

    /// The rate multipliers a dose of this product carries to its compartment.
    pub fn rates(&self) -> ProductRates {
        ProductRates {
            onset: self.onset_rate_factor,
            recovery: self.recovery_rate_factor,
            duration: self.duration_factor,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductFile {
    product: Vec<Product>,
}

static PRODUCTS: OnceLock<Vec<Product>> = OnceLock::new();

/// All known products, in the order of the data file.
pub fn products() -> &'static [Product] {
    PRODUCTS.get_or_init(|| {
        toml::from_str::<ProductFile>(include_str!("../data/products.toml"))
            .expect("embedded products.toml is valid (checked by tests)")
            .product
    })
}

/// A product by its generic name or a brand name, whatever the case, with spaces or hyphens
/// for underscores ("Botox Cosmetic", "ONABOTULINUMTOXINA"; [`crate::names::same`]).
pub fn find_product(name: &str) -> Option<&'static Product> {
    products().iter().find(|p| {
        crate::names::same(&p.name, name) || p.brands.iter().any(|b| crate::names::same(b, name))
    })
}

/// The closest generic or brand name to a mistyped product name, for "did you mean" hints.
pub fn suggest_product(name: &str) -> Option<&'static str> {
    crate::names::closest(
        name,
        products().iter().flat_map(|p| {
            std::iter::once(p.name.as_str()).chain(p.brands.iter().map(|b| b.as_str()))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_products_with_sources() {
        assert_eq!(products().len(), 6);
        for product in products() {
            assert!(product.potency > 0.0 && product.potency <= 1.0);
            assert!(!product.potency_source.is_empty());
            for factor in [
                product.onset_rate_factor,
                product.recovery_rate_factor,
                product.duration_factor,
            ] {
                assert!(factor.is_finite() && factor > 0.0, "{}", product.name);
            }
            assert!(!product.rate_factor_source.is_empty(), "{}", product.name);
            assert!(!product.duration_source.is_empty(), "{}", product.name);
            assert!(product.immunogenicity > 0.0 && product.immunogenicity <= 1.0);
            assert!(
                !product.immunogenicity_source.is_empty(),
                "{}",
                product.name
            );
        }
        let abo = find_product("Dysport").unwrap();
        assert_eq!(abo.name, "abobotulinumtoxinA");
        assert!((abo.equivalent_units(50.0) - 20.0).abs() < 1e-12);
    }

    #[test]
    fn names_are_found_whatever_the_case_and_mistyped_names_get_a_suggestion() {
        for typed in [
            "BOTOX",
            "botox cosmetic",
            "Botox-Cosmetic",
            "OnabotulinumtoxinA",
        ] {
            assert_eq!(
                find_product(typed).unwrap().name,
                "onabotulinumtoxinA",
                "{typed}"
            );
        }
        assert_eq!(
            find_product("bont/a dp").unwrap().name,
            "letibotulinumtoxinA"
        );
        assert!(find_product("Botx").is_none());
        assert_eq!(suggest_product("Botx"), Some("Botox"));
        assert_eq!(suggest_product("dysprot"), Some("Dysport"));
        assert_eq!(
            suggest_product("incobotulinumtoxin"),
            Some("incobotulinumtoxinA")
        );
        assert_eq!(suggest_product("aspirin"), None);
    }
}
