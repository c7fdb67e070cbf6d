//! Property tests: every decoder of this crate takes arbitrary input
//! without panicking, and round-trips what it encodes.

use std::collections::HashMap;

use backstop_model::link::{PointValue, WriteValue};
use backstop_sunspec::{ModelHeader, ModelImage, RegisterMap, Scale, decode_model, encode_write, known_models, length_note, model_def};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    /// Arbitrary registers behind a known model id never panic the decoder,
    /// and every numeric value it produces is finite.
    #[test]
    fn decoding_arbitrary_registers_never_panics(
        which in 0usize..6,
        len in 0u16..400,
        body in proptest::collection::vec(any::<u16>(), 0..420),
    ) {
        let ids = known_models();
        let id = ids[which % ids.len()];
        let mut regs = vec![id, len];
        regs.extend(body);
        if let Ok(m) = decode_model(&regs, 40002) {
            fn check(points: &[backstop_model::link::PointReading]) {
                for p in points {
                    if let PointValue::Number { value } = p.value { assert!(value.is_finite(), "{}", p.path); }
                }
            }
            check(&m.points);
            for g in &m.groups { check(&g.points); for h in &g.groups { check(&h.points); } }
        }
        let _ = length_note(ModelHeader { id, length: len });
    }

    /// Completely arbitrary blocks (any id, too short) are errors, not panics.
    #[test]
    fn arbitrary_blocks_never_panic(regs in proptest::collection::vec(any::<u16>(), 0..300)) {
        let _ = decode_model(&regs, 0);
        let _ = ModelHeader::parse(&regs).map(|h| h.next_address(65530));
    }

    /// Whatever a writable point accepts decodes back to the same value.
    #[test]
    fn accepted_writes_round_trip(v in -40000.0f64..70000.0, exp in -3i16..=2) {
        let p = model_def(802).unwrap().group.point("SoCRsvMin").unwrap();
        let value = WriteValue::Number { value: v };
        if let Ok((regs, decoded)) = encode_write(p, Scale::Exp(exp), &value, &[]) {
            let back = backstop_sunspec::decode_point(p, &regs, Scale::Exp(exp));
            prop_assert_eq!(back, decoded.clone());
            let got = decoded.as_f64().unwrap();
            prop_assert!((got - v).abs() <= 1e-6 * v.abs().max(1.0));
        }
    }

    /// Arbitrary text is never a panic for the register-map loaders.
    #[test]
    fn register_map_loaders_never_panic(text in ".{0,400}") {
        let _ = RegisterMap::from_toml(&text);
        let _ = RegisterMap::from_json(&text);
    }

    /// Any valid-looking map decodes any block without panicking.
    #[test]
    fn register_map_decode_never_panics(
        addr in any::<u16>(), ty in 0usize..6, scale in -1000.0f64..1000.0, wo in any::<bool>(), bo in any::<bool>(),
        start in any::<u16>(), regs in proptest::collection::vec(any::<u16>(), 0..130), v in any::<f64>(),
    ) {
        let tys = ["u16", "i16", "u32", "i32", "f32", "string"];
        let text = format!(
            "name='f'\nword_order='{}'\nbyte_order='{}'\n[[point]]\nname='p'\naddress={}\ntype='{}'\nsize=3\nscale={:?}\nwritable={{min=-10.0,max=10.0}}\n",
            if wo { "big" } else { "little" }, if bo { "big" } else { "little" }, addr.min(65000), tys[ty], scale
        );
        if let Ok(m) = RegisterMap::from_toml(&text) {
            let _ = m.decode_block(backstop_sunspec::regmap::Table::Holding, start, &regs);
            let p = m.point("p").unwrap();
            if let Ok((w, d)) = m.encode_write(p, &WriteValue::Number { value: v }, &[]) {
                prop_assert_eq!(m.decode_point(p, &w), d);
            }
        }
    }

    /// Images built with any counts decode to their own contents.
    #[test]
    fn images_round_trip(strings in 0usize..4, modules in 0usize..6, cells in 0usize..24, soc in 0.0f64..100.0) {
        let c803 = HashMap::from([("string".to_string(), strings)]);
        let mut img = ModelImage::new(803, &c803).unwrap();
        img.set_number("SoC_SF", -1.0).unwrap();
        for s in 1..=strings { img.set_number(&format!("string[{s}].StrSoC"), soc).unwrap(); }
        let m = decode_model(img.regs(), 0).unwrap();
        prop_assert_eq!(m.groups.len(), strings);
        for g in &m.groups {
            let v = g.points.iter().find(|p| p.name == "StrSoC").unwrap().value.as_f64().unwrap();
            prop_assert!((v - (soc * 10.0).round() / 10.0).abs() < 1e-9);
        }
        let c804 = HashMap::from([("lithium_ion_string_module".to_string(), modules)]);
        let img = ModelImage::new(804, &c804).unwrap();
        prop_assert_eq!(decode_model(img.regs(), 0).unwrap().groups.len(), modules);
        let c805 = HashMap::from([("lithium-ion-module-cell".to_string(), cells)]);
        let img = ModelImage::new(805, &c805).unwrap();
        prop_assert_eq!(decode_model(img.regs(), 0).unwrap().groups.len(), cells);
    }
}
