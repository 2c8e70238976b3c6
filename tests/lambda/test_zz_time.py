import time
from lambda_estate import *
from sgaudit.collect import CollectOptions, collect_snapshot
def test_t(aws, tmp_path):
    t=time.time(); e=build_estate(session_for()); print("estate", time.time()-t)
    t=time.time(); add_everything_else(session_for(), e); print("extra", time.time()-t)
    t=time.time(); collect_snapshot(CollectOptions(regions=(REGION,), output=tmp_path/"a"), session=session_for()); print("collect", time.time()-t)
    t=time.time(); collect_snapshot(CollectOptions(regions=(REGION,), output=tmp_path/"b"), session=session_for()); print("collect2", time.time()-t)
    t=time.time(); collect_snapshot(CollectOptions(regions=(REGION,), role_arns=("arn:aws:iam::111111111111:role/x",), output=tmp_path/"c"), session=session_for()); print("collect other", time.time()-t)
