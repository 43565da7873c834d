//! Unit words and the unit reported in metadata (§3 unit tables).

use super::super::MetricsOptions;
use super::super::naming::{MetricKind, metric_name};
use super::super::units::unit_metadata;

#[test]
fn unit_table() {
    let table = [
        ("d", "days"),
        ("h", "hours"),
        ("min", "minutes"),
        ("s", "seconds"),
        ("ms", "milliseconds"),
        ("us", "microseconds"),
        ("ns", "nanoseconds"),
        ("By", "bytes"),
        ("KiBy", "kibibytes"),
        ("MiBy", "mebibytes"),
        ("GiBy", "gibibytes"),
        ("TiBy", "tibibytes"),
        ("KBy", "kilobytes"),
        ("MBy", "megabytes"),
        ("GBy", "gigabytes"),
        ("TBy", "terabytes"),
        ("m", "meters"),
        ("V", "volts"),
        ("A", "amperes"),
        ("J", "joules"),
        ("W", "watts"),
        ("g", "grams"),
        ("Cel", "celsius"),
        ("Hz", "hertz"),
        ("%", "percent"),
    ];
    let o = MetricsOptions::default();
    for (unit, word) in table {
        assert_eq!(
            metric_name("x", unit, MetricKind::Histogram, &o).as_deref(),
            Ok(format!("x_{word}").as_str()),
            "{unit}"
        );
        assert_eq!(unit_metadata(unit, true), word);
    }
    let per = [
        ("s", "second"),
        ("m", "minute"),
        ("h", "hour"),
        ("d", "day"),
        ("w", "week"),
        ("mo", "month"),
        ("y", "year"),
    ];
    for (unit, word) in per {
        assert_eq!(
            unit_metadata(&format!("By/{unit}"), true),
            format!("bytes_per_{word}")
        );
    }
}

#[test]
fn unit_metadata_as_prometheus_reports_it() {
    for (unit, escaped, utf8) in [
        ("ms", "milliseconds", "milliseconds"),
        ("By/s", "bytes_per_second", "bytes_per_second"),
        ("1", "", ""),
        ("", "", ""),
        ("{token}", "", ""),
        ("{token}/s", "per_second", "per_second"),
        ("req.x", "req_x", "req.x"),
        (" s ", "seconds", "seconds"),
    ] {
        assert_eq!(unit_metadata(unit, true), escaped, "{unit:?}");
        assert_eq!(unit_metadata(unit, false), utf8, "{unit:?}");
    }
}
