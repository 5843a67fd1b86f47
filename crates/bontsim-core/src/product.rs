//! Products: each BoNT-A brand's potency relative to onabotulinumtoxinA, from
//! `data/products.toml` (compiled in, sourced). The model works in
//! onabotulinumtoxinA-equivalent units; this module is the only place units are converted.

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
}

impl Product {
    /// Labelled units of this product expressed as onabotulinumtoxinA-equivalent units.
    pub fn equivalent_units(&self, units: f64) -> f64 {
        units * self.potency
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

/// A product by its generic name or, case-insensitively, by a brand name.
pub fn find_product(name: &str) -> Option<&'static Product> {
    products()
        .iter()
        .find(|p| p.name == name || p.brands.iter().any(|b| b.eq_ignore_ascii_case(name)))
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
        }
        let abo = find_product("Dysport").unwrap();
        assert_eq!(abo.name, "abobotulinumtoxinA");
        assert!((abo.equivalent_units(50.0) - 20.0).abs() < 1e-12);
    }
}
