use crashcourse::engine::{self, gen};
fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50000);
    let lim = gen::GenLimits {
        max_records: 10,
        max_batch_size: 3,
        max_faults: 5,
    };
    let mut bad = 0;
    for seed in 0..n {
        let s = gen::random_scenario(seed, &lim);
        if let Err(e) = engine::validate(&s) {
            println!("invalid {seed}: {e}");
            bad += 1;
            continue;
        }
        let o = engine::run_outcome(&s);
        if !o.assumptions_broken.is_empty() {
            continue;
        }
        let lost: Vec<_> = o
            .missing
            .0
            .iter()
            .filter(|r| !o.before_start.0.contains(r) && !o.dropped_late.0.contains(r))
            .collect();
        let g = o.guarantee;
        if (!g.may_lose() && !lost.is_empty()) || (!g.may_duplicate() && !o.duplicated.0.is_empty())
        {
            bad += 1;
            if bad <= 6 {
                println!(
                    "seed {seed} {} lost {:?} dup {:?}\n  {}",
                    g.name(),
                    lost,
                    o.duplicated,
                    serde_json::to_string(&s).unwrap()
                );
            }
        }
    }
    println!("bad {bad} of {n}");
}
