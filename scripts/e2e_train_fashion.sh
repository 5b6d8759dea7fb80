#!/bin/sh
# End to end: `lrfind train` on Fashion-MNIST (train on the 60,000 training images,
# validate on the 10,000 test images), default model mlp:512,256, SGD momentum 0.9,
# batch 128, onecycle(max_lr=0.1), 3 epochs -- and PyTorch's same recipe
# (scripts/torch_train_recipe.py) in the same run. Prints both final accuracies.
#
# Usage: scripts/e2e_train_fashion.sh [BUILD_DIR] [CSV_DIR] [SEEDS...]
#   BUILD_DIR defaults to build, CSV_DIR to /tmp (CSVs are made there if missing).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
csvdir=${2:-/tmp}
shift 2 2>/dev/null || shift $#
seeds=${*:-0}
train=$csvdir/fashion-mnist_train.csv
test=$csvdir/fashion-mnist_test.csv
[ -s "$train" ] || /usr/bin/python3 "$here/make_fashion_csv.py" "$train" train
[ -s "$test" ] || /usr/bin/python3 "$here/make_fashion_csv.py" "$test" test
for seed in $seeds; do
    echo "== lrfind train, seed $seed"
    "$build/lrfind" train --data "$train" --val "$test" --model mlp:512,256 --optim sgd --momentum 0.9 --batch 128 \
        --schedule 'onecycle(max_lr=0.1)' --epochs 3 --seed "$seed"
    echo "== PyTorch recipe, seed $seed"
    /usr/bin/python3 "$here/torch_train_recipe.py" "$train" "$test" 3 0.1 "$seed"
done
