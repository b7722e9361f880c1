"""stub"""
def import_oefdb(inputs, ctx, acc): raise NotImplementedError
