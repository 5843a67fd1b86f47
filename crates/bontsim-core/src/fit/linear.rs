//! Small dense linear algebra for the handful of individual parameters (n ≤ 5): Cholesky
//! factors, solves and inverses of symmetric matrices stored row-major in `Vec<Vec<f64>>`.

pub type Matrix = Vec<Vec<f64>>;

pub fn identity(n: usize) -> Matrix {
    (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect()
}

/// Lower Cholesky factor of a symmetric positive-definite matrix; `None` if it is not.
pub fn cholesky(a: &Matrix) -> Option<Matrix> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - sum;
                if d <= 0.0 || !d.is_finite() {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - sum) / l[j][j];
            }
        }
    }
    Some(l)
}

/// The inverse of a symmetric positive-definite matrix from its Cholesky factor.
pub fn inverse_from_cholesky(l: &Matrix) -> Matrix {
    let n = l.len();
    let mut inverse = vec![vec![0.0; n]; n];
    for column in 0..n {
        let mut e = vec![0.0; n];
        e[column] = 1.0;
        let x = solve_cholesky(l, &e);
        for row in 0..n {
            inverse[row][column] = x[row];
        }
    }
    inverse
}

/// Solve `L Lᵀ x = b`.
pub fn solve_cholesky(l: &Matrix, b: &[f64]) -> Vec<f64> {
    let n = l.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    x
}

/// Solve `L y = b` (`L` lower triangular).
pub fn forward_solve(l: &Matrix, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; b.len()];
    for i in 0..b.len() {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    y
}

/// `L v`.
pub fn lower_times(l: &Matrix, v: &[f64]) -> Vec<f64> {
    (0..l.len())
        .map(|i| (0..=i).map(|k| l[i][k] * v[k]).sum())
        .collect()
}

/// ln det of `L Lᵀ`.
pub fn log_determinant(l: &Matrix) -> f64 {
    2.0 * (0..l.len()).map(|i| l[i][i].ln()).sum::<f64>()
}

/// `vᵀ A v`.
pub fn quadratic(a: &Matrix, v: &[f64]) -> f64 {
    (0..v.len())
        .map(|i| v[i] * (0..v.len()).map(|j| a[i][j] * v[j]).sum::<f64>())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cholesky_inverse_inverts() {
        let a = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 2.0],
        ];
        let l = cholesky(&a).unwrap();
        let inverse = inverse_from_cholesky(&l);
        for (i, row) in a.iter().enumerate() {
            for j in 0..3 {
                let product: f64 = row.iter().zip(&inverse).map(|(x, r)| x * r[j]).sum();
                assert!((product - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        assert!(cholesky(&vec![vec![1.0, 2.0], vec![2.0, 1.0]]).is_none());
    }
}
