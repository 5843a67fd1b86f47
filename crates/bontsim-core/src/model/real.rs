//! The floating-point types the model's right-hand side is written for. The solver integrates
//! the muscle states in single precision (twice the compartments to a vector register as in
//! double; docs/performance.md shows the error against a tight reference unchanged), while
//! everything else (toxin exponentials, time, outputs, fitting) stays in double precision, and
//! tests evaluate the same equations in double. Only the operations the equations use are
//! here, each the IEEE operation of the type, so a lane's result does not depend on the
//! instruction set that runs it.

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub};

pub trait Real:
    Copy
    + Debug
    + Default
    + PartialEq
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + MulAssign
    + Send
    + Sync
    + 'static
{
    const ZERO: Self;
    const ONE: Self;
    /// The largest `x^h` the terminal block takes: beyond it `x^h / (1 + x^h)` is 1 to the
    /// type's precision, and an overflow to infinity would make it NaN.
    const POWER_CEILING: Self;

    /// The value of this type nearest `x`.
    fn of(x: f64) -> Self;
    fn to_f64(self) -> f64;
    fn sqrt(self) -> Self;
    fn abs(self) -> Self;
    fn max(self, other: Self) -> Self;
    fn min(self, other: Self) -> Self;
    fn clamp(self, low: Self, high: Self) -> Self;
}

macro_rules! real {
    ($t:ty, $ceiling:expr) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const POWER_CEILING: Self = $ceiling;

            #[inline(always)]
            fn of(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
            #[inline(always)]
            fn clamp(self, low: Self, high: Self) -> Self {
                <$t>::clamp(self, low, high)
            }
        }
    };
}

real!(f64, 1e300);
real!(f32, 1e30);
