//! Number fields outside the sizing forms (layout, commissioning): the one
//! parsing rule of `backstop_model::number` (decimal comma, grouping
//! spaces, an ambiguous "1,200" refused), with the app's error type.

use backstop_model::AppError;
use backstop_model::number::{read_number, read_whole};

/// A number.
pub fn number(text: &str, what: &str) -> Result<f64, AppError> {
    read_number(text, what).map_err(AppError::invalid)
}

/// A number ≥ 0.
pub fn non_negative(text: &str, what: &str) -> Result<f64, AppError> {
    match number(text, what)? {
        v if v >= 0.0 => Ok(v),
        _ => Err(AppError::invalid(format!("{what} must be a number ≥ 0; “{}” is not.", text.trim()))),
    }
}

/// A whole number of millimetres (a coordinate: any sign).
pub fn mm(text: &str, what: &str) -> Result<i64, AppError> {
    read_whole(text, what, i64::MIN, i64::MAX).map_err(AppError::invalid)
}

/// A whole number within `min..=max`.
pub fn whole<T: TryFrom<i64>>(text: &str, what: &str, min: i64, max: i64) -> Result<T, AppError> {
    let v = read_whole(text, what, min, max).map_err(AppError::invalid)?;
    T::try_from(v).map_err(|_| AppError::invalid(format!("{what} is out of range; “{}” is too large.", text.trim())))
}
